//! CTranslate2's `model.bin`: a version, the spec name, then named tensors and aliases.

use std::collections::BTreeMap;

/// The binary versions this reader understands (CTranslate2 3.x and 4.x write 6).
const SUPPORTED_VERSIONS: std::ops::RangeInclusive<u32> = 5..=6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    F32,
    I8,
    I16,
    I32,
    F16,
    BF16,
}

impl DType {
    fn from_id(id: u8) -> Option<Self> {
        Some(match id {
            0 => DType::F32,
            1 => DType::I8,
            2 => DType::I16,
            3 => DType::I32,
            4 => DType::F16,
            5 => DType::BF16,
            _ => return None,
        })
    }

    pub fn size(self) -> usize {
        match self {
            DType::I8 => 1,
            DType::I16 | DType::F16 | DType::BF16 => 2,
            DType::F32 | DType::I32 => 4,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Tensor<'a> {
    pub shape: Vec<usize>,
    pub dtype: DType,
    pub data: &'a [u8],
}

impl Tensor<'_> {
    pub fn elements(&self) -> usize {
        self.shape.iter().product()
    }
}

#[derive(Debug)]
pub struct Ct2Model<'a> {
    pub spec: String,
    pub tensors: BTreeMap<String, Tensor<'a>>,
}

impl<'a> Ct2Model<'a> {
    pub fn get(&self, name: &str) -> Result<&Tensor<'a>, String> {
        self.tensors
            .get(name)
            .ok_or_else(|| format!("the model has no tensor {name:?}"))
    }

    /// A scalar integer variable such as `encoder/num_heads`.
    pub fn scalar(&self, name: &str) -> Result<i64, String> {
        let t = self.get(name)?;
        let d = t.data;
        match (t.dtype, d.len()) {
            (DType::I8, 1) => Ok(i64::from(d[0] as i8)),
            (DType::I16, 2) => Ok(i64::from(i16::from_le_bytes([d[0], d[1]]))),
            (DType::I32, 4) => Ok(i64::from(i32::from_le_bytes([d[0], d[1], d[2], d[3]]))),
            _ => Err(format!("{name:?} is not an integer scalar")),
        }
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(format!(
                "the file ends in the middle of {what} (at byte {}; truncated?)",
                self.at
            ));
        };
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, String> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &str) -> Result<u32, String> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A u16 length, then that many bytes ending in NUL.
    fn string(&mut self, what: &str) -> Result<String, String> {
        let len = usize::from(self.u16(what)?);
        let raw = self.take(len, what)?;
        let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
        String::from_utf8(raw.to_vec()).map_err(|_| format!("{what} is not UTF-8"))
    }
}

pub fn parse(bytes: &[u8]) -> Result<Ct2Model<'_>, String> {
    let mut c = Cursor { bytes, at: 0 };
    let version = c.u32("the version")?;
    if !SUPPORTED_VERSIONS.contains(&version) {
        return Err(format!(
            "binary version {version} is not supported (supported: {}-{})",
            SUPPORTED_VERSIONS.start(),
            SUPPORTED_VERSIONS.end()
        ));
    }
    let spec = c.string("the spec name")?;
    let _revision = c.u32("the spec revision")?;
    let count = c.u32("the tensor count")?;
    let mut tensors = BTreeMap::new();
    for _ in 0..count {
        let name = c.string("a tensor name")?;
        let rank = c.u8("a tensor rank")?;
        let shape = (0..rank)
            .map(|_| c.u32("a tensor shape").map(|d| d as usize))
            .collect::<Result<Vec<_>, _>>()?;
        let dtype_id = c.u8("a tensor type")?;
        let dtype = DType::from_id(dtype_id)
            .ok_or_else(|| format!("tensor {name:?} has unknown type {dtype_id}"))?;
        let size = c.u32("a tensor size")? as usize;
        let data = c.take(size, &format!("tensor {name:?}"))?;
        let tensor = Tensor { shape, dtype, data };
        if tensor.elements().max(1) * dtype.size() != size {
            return Err(format!(
                "tensor {name:?} has {size} bytes, which does not match its shape"
            ));
        }
        tensors.insert(name, tensor);
    }
    let aliases = c.u32("the alias count")?;
    for _ in 0..aliases {
        let alias = c.string("an alias")?;
        let target = c.string("an alias target")?;
        let tensor = tensors
            .get(&target)
            .cloned()
            .ok_or_else(|| format!("alias {alias:?} names no tensor"))?;
        tensors.insert(alias, tensor);
    }
    if c.at != bytes.len() {
        return Err(format!(
            "{} unexpected bytes after the last alias",
            bytes.len() - c.at
        ));
    }
    Ok(Ct2Model { spec, tensors })
}
