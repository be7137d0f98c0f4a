"""Quantises a whisper.cpp model (the ggml format that `viva-stt import-ct2` writes, f16) to q5_1,
as whisper.cpp's own `quantize` tool does, in Python's standard library only (no whisper.cpp
examples are built here). Whisper tiny.en goes from 74 MiB to about 31 MiB, so it fits a
device-check bundle beside the CUDA viva-stt.

    whisper_q5_1.py IN OUT

What whisper.cpp expects of a q5_1 file: hparams.ftype = GGML_QNT_VERSION (2) * 1000 + 9
(GGML_FTYPE_MOSTLY_Q5_1); every 2-D f16 weight (attention, MLP, token embedding: the tensors
whisper.cpp creates with the file's weight type) in q5_1 blocks; the 3-D conv weights stay f16
and the f32 tensors (biases, norms, positional embeddings) stay f32. The q5_1 block is
ggml's quantize_row_q5_1_ref: 32 values as fp16 d = (max - min) / 31 and m = min, the 5th bits
of the 32 quants in one uint32, and their low nibbles in 16 bytes (value j low, j + 16 high).
"""
import struct
import sys

MAGIC = 0x67676D6C
F32, F16, Q5_1 = 0, 1, 7
FTYPE_Q5_1 = 2 * 1000 + 9


def read(f, fmt):
    return struct.unpack("<" + fmt, f.read(struct.calcsize("<" + fmt)))


def quantize_q5_1(values):
    """q5_1 blocks for a flat sequence of floats whose length is a multiple of 32."""
    out = bytearray()
    pack = struct.Struct("<eeI16B").pack
    for start in range(0, len(values), 32):
        block = values[start:start + 32]
        lo, hi = min(block), max(block)
        d = (hi - lo) / 31
        inv = 1 / d if d else 0.0
        q = [int((v - lo) * inv + 0.5) for v in block]
        qh = 0
        for j, v in enumerate(q):
            qh |= (v >> 4) << j
        nibbles = [(q[j] & 0x0F) | ((q[j + 16] & 0x0F) << 4) for j in range(16)]
        out += pack(d, lo, qh, *nibbles)
    return out


def convert(src_path, dst_path):
    with open(src_path, "rb") as src, open(dst_path, "wb") as dst:
        (magic,) = read(src, "I")
        if magic != MAGIC:
            sys.exit(f"{src_path} is not a whisper.cpp (ggml) model")
        hparams = list(read(src, "11i"))
        if hparams[10] != F16:
            sys.exit(f"{src_path} has ftype {hparams[10]}; only f16 models (ftype 1) are quantised here")
        hparams[10] = FTYPE_Q5_1
        dst.write(struct.pack("<I11i", magic, *hparams))
        n_mel, n_fft = read(src, "2i")
        dst.write(struct.pack("<2i", n_mel, n_fft) + src.read(4 * n_mel * n_fft))
        (n_vocab,) = read(src, "i")
        dst.write(struct.pack("<i", n_vocab))
        for _ in range(n_vocab):
            (length,) = read(src, "i")
            dst.write(struct.pack("<i", length) + src.read(length))
        quantised = 0
        while True:
            head = src.read(12)
            if len(head) < 12:
                break
            n_dims, name_len, ttype = struct.unpack("<3i", head)
            dims = read(src, f"{n_dims}i")
            name = src.read(name_len)
            count = 1
            for d in dims:
                count *= d
            data = src.read(count * (4 if ttype == F32 else 2))
            if ttype == F16 and n_dims == 2 and dims[0] % 32 == 0:
                values = struct.unpack(f"<{count}e", data)
                data, ttype = quantize_q5_1(values), Q5_1
                quantised += 1
            dst.write(struct.pack(f"<3i{n_dims}i", n_dims, name_len, ttype, *dims) + name + data)
    return quantised


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n = convert(sys.argv[1], sys.argv[2])
    print(f"{n} tensors in q5_1", file=sys.stderr)
