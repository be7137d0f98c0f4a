"""A GGUF model without its weights, and the weights made up again: Python's standard library only.

    gguf.py skeleton MODEL OUT      writes MODEL's header (metadata, tokenizer, tensor list) to OUT
    gguf.py refill SKELETON OUT     writes a whole model: the header, then every tensor filled
                                    with random but valid blocks (same names, shapes and types)
    gguf.py show MODEL              prints the tensor types and sizes

A refilled model loads and runs through exactly the kernels of the real one (same shapes, same
quantisation types), so it measures load time, speed and memory; its text is meaningless. Valid
means: every fp16 scale is finite and small (from a narrow exponent range), norm weights are
about 1, so no activation overflows to inf or NaN. The fill is seeded: the same skeleton always
gives the same bytes. Used by scripts/gpu-check (skeleton, here) and its device script (refill).
"""
import array
import random
import struct
import sys

# ggml type id -> (name, elements per block, bytes per block, fp16 fields as (offset, scale));
# each fp16 field gets magnitudes around its scale (a power of two), the rest random bytes.
TYPES = {
    0: ("F32", 1, 4, ()),
    1: ("F16", 1, 2, ((0, -6),)),
    2: ("Q4_0", 32, 18, ((0, -9),)),
    3: ("Q4_1", 32, 20, ((0, -9), (2, -6))),
    6: ("Q5_0", 32, 22, ((0, -10),)),
    7: ("Q5_1", 32, 24, ((0, -10), (2, -6))),
    8: ("Q8_0", 32, 34, ((0, -12),)),
    10: ("Q2_K", 256, 84, ((80, -10), (82, -10))),
    11: ("Q3_K", 256, 110, ((108, -12),)),
    12: ("Q4_K", 256, 144, ((0, -13), (2, -13))),
    13: ("Q5_K", 256, 176, ((0, -14), (2, -14))),
    14: ("Q6_K", 256, 210, ((208, -14),)),
    30: ("BF16", 1, 2, ()),
}
# GGUF metadata value types -> struct format (8 = string, 9 = array)
SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}


class Reader:
    def __init__(self, f):
        self.f = f

    def take(self, fmt):
        size = struct.calcsize("<" + fmt)
        return struct.unpack("<" + fmt, self.f.read(size))[0]

    def string(self):
        return self.f.read(self.take("Q")).decode("utf-8", "replace")

    def value(self, kind):
        if kind == 8:
            return self.string()
        if kind == 9:
            item_kind, count = self.take("I"), self.take("Q")
            return [self.value(item_kind) for _ in range(count)]
        return self.take(SCALARS[kind])


def read_header(path):
    """(metadata dict, tensors as (name, dims, type, offset), where the tensor data starts)."""
    with open(path, "rb") as f:
        r = Reader(f)
        if f.read(4) != b"GGUF":
            sys.exit(f"{path} is not a GGUF file")
        version, n_tensors, n_kv = r.take("I"), r.take("Q"), r.take("Q")
        if version < 2:
            sys.exit(f"{path}: GGUF version {version} is too old")
        meta = {}
        for _ in range(n_kv):
            key = r.string()
            meta[key] = r.value(r.take("I"))
        tensors = []
        for _ in range(n_tensors):
            name = r.string()
            dims = [r.take("Q") for _ in range(r.take("I"))]
            tensors.append((name, dims, r.take("I"), r.take("Q")))
        align = meta.get("general.alignment", 32)
        data_start = -(-f.tell() // align) * align
    return meta, tensors, data_start


def tensor_bytes(dims, kind):
    if kind not in TYPES:
        sys.exit(f"tensor type {kind} is not supported by the refill")
    _, per_block, block_bytes, _ = TYPES[kind]
    count = 1
    for d in dims:
        count *= d
    return count // per_block * block_bytes


def fp16_high_bytes(exponent, signed):
    """A translation table onto high bytes of fp16 numbers of magnitude 2**exponent to 2**(exponent+1)."""
    base = (exponent + 15) << 2  # biased exponent, shifted past the two top mantissa bits
    choices = [base | m for m in range(4)] + ([0x80 | base | m for m in range(4)] if signed else [])
    return bytes(choices[i % len(choices)] for i in range(256))


def fill(rng, name, dims, kind):
    size = tensor_bytes(dims, kind)
    type_name, _, block_bytes, fields = TYPES[kind]
    if type_name == "F32":
        count = size // 4
        if name.endswith("norm.weight"):
            values = array.array("f", (1.0 + rng.uniform(-0.05, 0.05) for _ in range(count)))
        else:
            values = array.array("f", (rng.uniform(-0.02, 0.02) for _ in range(count)))
        return values.tobytes()
    if type_name == "BF16":
        data = bytearray(rng.randbytes(size))
        # bf16 high byte: sign and 7 exponent bits; 0x3C/0xBC is about 2**-7.
        data[1::2] = data[1::2].translate(bytes((0x3C if i % 2 else 0xBC) for i in range(256)))
        return bytes(data)
    data = bytearray(rng.randbytes(size))
    for offset, exponent in fields:
        # d (the first field) positive, minimums and plain fp16 weights of either sign.
        table = fp16_high_bytes(exponent, signed=offset != 0 or type_name == "F16")
        data[offset + 1::block_bytes] = data[offset + 1::block_bytes].translate(table)
    return bytes(data)


def skeleton(model, out):
    _, _, data_start = read_header(model)
    with open(model, "rb") as src, open(out, "wb") as dst:
        dst.write(src.read(data_start))


def refill(skeleton_path, out, seed=20261130):
    _, tensors, data_start = read_header(skeleton_path)
    rng = random.Random(seed)
    with open(skeleton_path, "rb") as src, open(out, "wb") as dst:
        dst.write(src.read(data_start))
        for name, dims, kind, offset in sorted(tensors, key=lambda t: t[3]):
            dst.write(b"\0" * (data_start + offset - dst.tell()))
            dst.write(fill(rng, name, dims, kind))


def show(model):
    _, tensors, data_start = read_header(model)
    by_type = {}
    for _, dims, kind, _ in tensors:
        count, size = by_type.get(kind, (0, 0))
        by_type[kind] = (count + 1, size + tensor_bytes(dims, kind))
    print(f"header: {data_start} bytes, {len(tensors)} tensors")
    for kind, (count, size) in sorted(by_type.items()):
        print(f"  {TYPES[kind][0]:<5} {count:4} tensors {size / 2**20:8.1f} MiB")


if __name__ == "__main__":
    command, *args = sys.argv[1:] or ["help"]
    if command == "skeleton" and len(args) == 2:
        skeleton(*args)
    elif command == "refill" and len(args) == 2:
        refill(*args)
    elif command == "show" and len(args) == 1:
        show(*args)
    else:
        sys.exit(__doc__)
