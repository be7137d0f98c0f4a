//! An engine's output, read line by line with a cap on each line's length and decoded
//! lossily: an engine that writes a gigabyte without a newline, or bytes that are not UTF-8,
//! can neither exhaust the server's memory nor stop the reading (an unread pipe would block
//! the engine).

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

pub struct CappedLines<R> {
    reader: R,
    line: Vec<u8>,
    max: usize,
}

impl<R: AsyncBufRead + Unpin> CappedLines<R> {
    pub fn new(reader: R, max: usize) -> Self {
        Self {
            reader,
            line: Vec::new(),
            max,
        }
    }

    /// The next line without its line ending, cut to the cap (the rest of a longer line is
    /// skipped); `None` at the end of the output. Cancel safe: a line half read stays here.
    pub async fn next_line(&mut self) -> std::io::Result<Option<String>> {
        loop {
            let available = self.reader.fill_buf().await?;
            if available.is_empty() {
                return Ok((!self.line.is_empty()).then(|| self.take()));
            }
            let end = available.iter().position(|b| *b == b'\n');
            let chunk = &available[..end.unwrap_or(available.len())];
            let room = self.max.saturating_sub(self.line.len());
            self.line.extend_from_slice(&chunk[..chunk.len().min(room)]);
            let used = end.map_or(available.len(), |i| i + 1);
            self.reader.consume(used);
            if end.is_some() {
                return Ok(Some(self.take()));
            }
        }
    }

    fn take(&mut self) -> String {
        let text = String::from_utf8_lossy(&self.line);
        let line = text.strip_suffix('\r').unwrap_or(&text).to_owned();
        self.line.clear();
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn long_lines_are_cut_and_bad_bytes_replaced_and_reading_goes_on() {
        let mut input = b"short\r\n".to_vec();
        input.extend(vec![b'x'; 100_000]);
        input.extend(b"\n\xff\xfeok\nlast without newline");
        let mut lines = CappedLines::new(&input[..], 16);
        let mut read = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            read.push(line);
        }
        assert_eq!(
            read,
            [
                "short",
                "xxxxxxxxxxxxxxxx",
                "\u{FFFD}\u{FFFD}ok",
                "last without new"
            ]
        );
    }
}
