//! whisper.cpp's legacy ggml model layout: magic, hyper-parameters, mel filters, vocabulary,
//! then tensors (`n_dims, name_len, type`, dims innermost first, name, data; no padding).
//! Tensor names are openai-whisper's, which whisper.cpp's loader looks up.

use half::f16;

use super::reader::{Ct2Model, DType, Tensor};
use super::{ConvertError, mel};

const GGML_MAGIC: u32 = 0x6767_6d6c;
const FTYPE_F16: i32 = 1;

#[derive(Clone, Copy, PartialEq)]
enum Out {
    F32,
    F16,
}

impl Out {
    fn id(self) -> i32 {
        match self {
            Out::F32 => 0,
            Out::F16 => 1,
        }
    }
}

struct Ggml {
    buf: Vec<u8>,
}

impl Ggml {
    fn i32(&mut self, v: i32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    fn tensor(
        &mut self,
        name: &str,
        shape: &[usize],
        out: Out,
        data: &[u8],
        from: DType,
    ) -> Result<(), ConvertError> {
        self.i32(shape.len() as i32);
        self.i32(name.len() as i32);
        self.i32(out.id());
        for &d in shape.iter().rev() {
            self.i32(d as i32);
        }
        self.buf.extend_from_slice(name.as_bytes());
        match (from, out) {
            (DType::F16, Out::F16) | (DType::F32, Out::F32) => self.buf.extend_from_slice(data),
            (DType::F16, Out::F32) => {
                for h in data.chunks_exact(2) {
                    let v = f16::from_le_bytes([h[0], h[1]]).to_f32();
                    self.buf.extend_from_slice(&v.to_le_bytes());
                }
            }
            (DType::F32, Out::F16) => {
                for f in data.chunks_exact(4) {
                    let v = f16::from_f32(f32::from_le_bytes([f[0], f[1], f[2], f[3]]));
                    self.buf.extend_from_slice(&v.to_le_bytes());
                }
            }
            (other, _) => {
                return Err(ConvertError::Unsupported(format!(
                    "tensor {name} is {other:?}; only float16 and float32 CTranslate2 models can be \
                     converted (re-export the model with --quantization float16)"
                )));
            }
        }
        Ok(())
    }
}

/// Rows `[from, to)` of a row-major matrix (or a vector, with one element per row).
fn rows<'a>(t: &Tensor<'a>, from: usize, to: usize) -> (Vec<usize>, &'a [u8]) {
    let cols: usize = t.shape.iter().skip(1).product();
    let row_bytes = cols * t.dtype.size();
    let mut shape = t.shape.clone();
    shape[0] = to - from;
    (shape, &t.data[from * row_bytes..to * row_bytes])
}

/// Every tensor of one name: 1-D tensors (biases, norms) stay f32, matrices become f16.
fn put(g: &mut Ggml, m: &Ct2Model, name: &str, from: &str) -> Result<(), ConvertError> {
    let t = m.get(from).map_err(ConvertError::Unsupported)?;
    let out = if t.shape.len() < 2 {
        Out::F32
    } else {
        Out::F16
    };
    g.tensor(name, &t.shape, out, t.data, t.dtype)
}

fn put_linear(g: &mut Ggml, m: &Ct2Model, name: &str, from: &str) -> Result<(), ConvertError> {
    put(g, m, &format!("{name}.weight"), &format!("{from}/weight"))?;
    put(g, m, &format!("{name}.bias"), &format!("{from}/bias"))
}

fn put_norm(g: &mut Ggml, m: &Ct2Model, name: &str, from: &str) -> Result<(), ConvertError> {
    put(g, m, &format!("{name}.weight"), &format!("{from}/gamma"))?;
    put(g, m, &format!("{name}.bias"), &format!("{from}/beta"))
}

/// Splits a fused projection into `parts` (query/key/value). Whisper's key projection has no
/// bias: CTranslate2 stores zeros there, whisper.cpp expects none.
fn put_split(
    g: &mut Ggml,
    m: &Ct2Model,
    from: &str,
    parts: &[&str],
    d: usize,
) -> Result<(), ConvertError> {
    let weight = m
        .get(&format!("{from}/weight"))
        .map_err(ConvertError::Unsupported)?;
    let bias = m
        .get(&format!("{from}/bias"))
        .map_err(ConvertError::Unsupported)?;
    if weight.shape.first() != Some(&(d * parts.len())) {
        return Err(ConvertError::Unsupported(format!(
            "{from} has shape {:?}",
            weight.shape
        )));
    }
    for (i, part) in parts.iter().enumerate() {
        let (shape, data) = rows(weight, i * d, (i + 1) * d);
        g.tensor(
            &format!("{part}.weight"),
            &shape,
            Out::F16,
            data,
            weight.dtype,
        )?;
        if !part.ends_with(".key") {
            let (shape, data) = rows(bias, i * d, (i + 1) * d);
            g.tensor(&format!("{part}.bias"), &shape, Out::F32, data, bias.dtype)?;
        }
    }
    Ok(())
}

fn layer_count(m: &Ct2Model, stack: &str) -> usize {
    (0..)
        .take_while(|i| {
            m.tensors
                .contains_key(&format!("{stack}/layer_{i}/ffn/linear_0/weight"))
        })
        .count()
}

fn dim(m: &Ct2Model, name: &str, axis: usize) -> Result<usize, ConvertError> {
    let t = m.get(name).map_err(ConvertError::Unsupported)?;
    t.shape
        .get(axis)
        .copied()
        .ok_or_else(|| ConvertError::Unsupported(format!("{name} has no axis {axis}")))
}

pub fn write(m: &Ct2Model, tokens: &[Vec<u8>]) -> Result<Vec<u8>, ConvertError> {
    if m.spec != "WhisperSpec" {
        return Err(ConvertError::Unsupported(format!(
            "a {} model is not a Whisper model",
            m.spec
        )));
    }
    let n_mels = dim(m, "encoder/conv1/weight", 1)?;
    if n_mels != mel::N_MELS {
        return Err(ConvertError::Unsupported(format!(
            "{n_mels} mel bins (only 80-bin Whisper models)"
        )));
    }
    let heads = m
        .scalar("encoder/num_heads")
        .map_err(ConvertError::Unsupported)?;
    let (n_audio, n_text) = (layer_count(m, "encoder"), layer_count(m, "decoder"));
    let d_audio = dim(m, "encoder/position_encodings/encodings", 1)?;
    let d_text = dim(m, "decoder/position_encodings/encodings", 1)?;
    let hparams = [
        dim(m, "decoder/embeddings/weight", 0)?,
        dim(m, "encoder/position_encodings/encodings", 0)?,
        d_audio,
        heads as usize,
        n_audio,
        dim(m, "decoder/position_encodings/encodings", 0)?,
        d_text,
        heads as usize,
        n_text,
        n_mels,
    ];

    let mut g = Ggml {
        buf: Vec::with_capacity(
            m.tensors.values().map(|t| t.data.len()).sum::<usize>() + (1 << 20),
        ),
    };
    g.buf.extend_from_slice(&GGML_MAGIC.to_le_bytes());
    for h in hparams {
        g.i32(h as i32);
    }
    g.i32(FTYPE_F16);

    g.i32(mel::N_MELS as i32);
    g.i32((mel::N_FFT / 2 + 1) as i32);
    for w in mel::filters() {
        g.buf.extend_from_slice(&w.to_le_bytes());
    }

    g.i32(tokens.len() as i32);
    for token in tokens {
        g.buf.extend_from_slice(&(token.len() as u32).to_le_bytes());
        g.buf.extend_from_slice(token);
    }

    for conv in ["conv1", "conv2"] {
        put(
            &mut g,
            m,
            &format!("encoder.{conv}.weight"),
            &format!("encoder/{conv}/weight"),
        )?;
        // whisper.cpp adds the conv bias as an (n, 1) matrix.
        let bias = m
            .get(&format!("encoder/{conv}/bias"))
            .map_err(ConvertError::Unsupported)?;
        g.tensor(
            &format!("encoder.{conv}.bias"),
            &[bias.shape[0], 1],
            Out::F32,
            bias.data,
            bias.dtype,
        )?;
    }
    let pos = m
        .get("encoder/position_encodings/encodings")
        .map_err(ConvertError::Unsupported)?;
    g.tensor(
        "encoder.positional_embedding",
        &pos.shape,
        Out::F32,
        pos.data,
        pos.dtype,
    )?;
    for i in 0..n_audio {
        let (to, from) = (format!("encoder.blocks.{i}"), format!("encoder/layer_{i}"));
        let qkv = [
            format!("{to}.attn.query"),
            format!("{to}.attn.key"),
            format!("{to}.attn.value"),
        ];
        let qkv: Vec<&str> = qkv.iter().map(String::as_str).collect();
        put_split(
            &mut g,
            m,
            &format!("{from}/self_attention/linear_0"),
            &qkv,
            d_audio,
        )?;
        put_linear(
            &mut g,
            m,
            &format!("{to}.attn.out"),
            &format!("{from}/self_attention/linear_1"),
        )?;
        put_norm(
            &mut g,
            m,
            &format!("{to}.attn_ln"),
            &format!("{from}/self_attention/layer_norm"),
        )?;
        put_linear(
            &mut g,
            m,
            &format!("{to}.mlp.0"),
            &format!("{from}/ffn/linear_0"),
        )?;
        put_linear(
            &mut g,
            m,
            &format!("{to}.mlp.2"),
            &format!("{from}/ffn/linear_1"),
        )?;
        put_norm(
            &mut g,
            m,
            &format!("{to}.mlp_ln"),
            &format!("{from}/ffn/layer_norm"),
        )?;
    }
    put_norm(&mut g, m, "encoder.ln_post", "encoder/layer_norm")?;

    put(
        &mut g,
        m,
        "decoder.token_embedding.weight",
        "decoder/embeddings/weight",
    )?;
    let pos = m
        .get("decoder/position_encodings/encodings")
        .map_err(ConvertError::Unsupported)?;
    g.tensor(
        "decoder.positional_embedding",
        &pos.shape,
        Out::F32,
        pos.data,
        pos.dtype,
    )?;
    for i in 0..n_text {
        let (to, from) = (format!("decoder.blocks.{i}"), format!("decoder/layer_{i}"));
        let qkv = [
            format!("{to}.attn.query"),
            format!("{to}.attn.key"),
            format!("{to}.attn.value"),
        ];
        let qkv: Vec<&str> = qkv.iter().map(String::as_str).collect();
        put_split(
            &mut g,
            m,
            &format!("{from}/self_attention/linear_0"),
            &qkv,
            d_text,
        )?;
        put_linear(
            &mut g,
            m,
            &format!("{to}.attn.out"),
            &format!("{from}/self_attention/linear_1"),
        )?;
        put_norm(
            &mut g,
            m,
            &format!("{to}.attn_ln"),
            &format!("{from}/self_attention/layer_norm"),
        )?;
        put_linear(
            &mut g,
            m,
            &format!("{to}.cross_attn.query"),
            &format!("{from}/attention/linear_0"),
        )?;
        let kv = [
            format!("{to}.cross_attn.key"),
            format!("{to}.cross_attn.value"),
        ];
        let kv: Vec<&str> = kv.iter().map(String::as_str).collect();
        put_split(
            &mut g,
            m,
            &format!("{from}/attention/linear_1"),
            &kv,
            d_text,
        )?;
        put_linear(
            &mut g,
            m,
            &format!("{to}.cross_attn.out"),
            &format!("{from}/attention/linear_2"),
        )?;
        put_norm(
            &mut g,
            m,
            &format!("{to}.cross_attn_ln"),
            &format!("{from}/attention/layer_norm"),
        )?;
        put_linear(
            &mut g,
            m,
            &format!("{to}.mlp.0"),
            &format!("{from}/ffn/linear_0"),
        )?;
        put_linear(
            &mut g,
            m,
            &format!("{to}.mlp.2"),
            &format!("{from}/ffn/linear_1"),
        )?;
        put_norm(
            &mut g,
            m,
            &format!("{to}.mlp_ln"),
            &format!("{from}/ffn/layer_norm"),
        )?;
    }
    put_norm(&mut g, m, "decoder.ln", "decoder/layer_norm")?;
    // decoder/projection is tied to the token embedding in Whisper: not written.
    Ok(g.buf)
}
