"""tests/robustness/gctrace_craft.py — build damaged and hostile .gctrace
files from a good one (issue #8). Knows just enough of docs/trace-format.md
to re-seal what it changes (header CRC, chunk CRC32C) so that a change reaches
the decoder instead of stopping at a checksum. Used by hostile.py and
faults.py; also a command: gctrace_craft.py GOOD.gctrace OUTDIR [SEED]."""
import os
import random
import struct
import sys

_T = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _T.append(_c)


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = _T[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


CHUNK_MAGIC = 0x4B434347
HDR, CHDR = 64, 40


def uv(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def chunks(d):
    """[(offset, stored, raw, kind, codec)] of the well-formed chunks."""
    out, off = [], struct.unpack_from('<I', d, 12)[0]
    while off + CHDR <= len(d):
        magic, stored, raw = struct.unpack_from('<III', d, off)
        if magic != CHUNK_MAGIC or off + CHDR + stored > len(d):
            break
        out.append((off, stored, raw, d[off + 12], d[off + 13]))
        off += CHDR + stored
    return out


def seal_header(d):
    struct.pack_into('<I', d, 60, crc32c(bytes(d[:60])))


def seal_chunk(d, off):
    stored = struct.unpack_from('<I', d, off + 4)[0]
    body = bytes(d[off + CHDR: off + CHDR + stored])
    struct.pack_into('<I', d, off + 36, crc32c(body, crc32c(bytes(d[off + 4: off + 36]))))


def make_chunk(kind, payload, codec=0, raw=None, n_records=1):
    h = bytearray(CHDR)
    struct.pack_into('<IIIBB', h, 0, CHUNK_MAGIC, len(payload),
                     len(payload) if raw is None else raw, kind, codec)
    struct.pack_into('<I', h, 32, n_records)
    h += payload
    seal_chunk(h, 0)
    return bytes(h)


def hostile(good, rnd):
    """Yield (name, bytes, must_fail, damage_offset) cases. must_fail: every
    reading command must exit 3; otherwise 0/1/3 are all acceptable (the file
    may be valid). damage_offset: first damaged byte when known and past the
    64-byte header (the error must then name a byte offset), else None."""
    d = bytes(good)
    cs = chunks(d)
    ev = [c for c in cs if c[3] == 2]
    yield 'empty', b'', True, None
    yield 'text', b'this is not a trace, it is a line of text\n' * 20, True, None
    yield 'random', bytes(rnd.getrandbits(8) for _ in range(4096)), True, None
    yield 'magic_only', b'GCTRACE\0', True, None
    # Header fields claiming gigantic sizes or other versions (CRC re-sealed).
    for name, off, fmt, val in [('hdr_len_huge', 12, '<I', 0xFFFFFFFF),
                                ('hdr_len_4096', 12, '<I', 4096),
                                ('hdr_version_2', 8, '<H', 2),
                                ('hdr_endian', 16, '<I', 0x0D0C0B0A)]:
        m = bytearray(d)
        struct.pack_into(fmt, m, off, val)
        seal_header(m)
        yield name, bytes(m), True, None
    m = bytearray(d)
    m[61] ^= 0x10
    yield 'hdr_crc', bytes(m), True, None
    # Chunk header fields claiming gigantic sizes and counts.
    o = ev[0][0]
    for name, off, val, must in [('chunk_stored_huge', 4, 0xFFFFFFF0, True),
                                 ('chunk_raw_huge', 8, 0xFFFFFFF0, True),
                                 ('chunk_stored_cap', 4, 16 << 20, True),
                                 ('chunk_nrecords_huge', 32, 0xFFFFFFFF, False),
                                 ('chunk_first_seq_huge', 16, 0xFFFFFFFF, False)]:
        m = bytearray(d)
        struct.pack_into('<I', m, o + off, val)
        seal_chunk(m, o)
        yield name, bytes(m), must, o
    base = d[:cs[0][0] + CHDR + cs[0][1]]  # header + META
    # Records that claim gigantic things inside a well-sealed chunk.
    recs = {
        'rec_string_len_huge': b'\x00' + uv(1) + uv(1 << 62) + b'abc',
        'rec_site_huge': b'\x00' + uv(2) + uv(1 << 40) + uv(1 << 40) + uv(1 << 40),
        'rec_varint_overlong': b'\x01' + b'\xff' * 12,
        'rec_len_huge': bytes([0x80 | 0x01]) + uv(1 << 60) + b'\x01',
        'rec_ext_code_huge': b'\x00' + uv((1 << 63) + 5) + b'\x00',
        'rec_obj_abs_huge': b'\x02' + uv(65) + uv((1 << 64) - 1),
        'rec_zero_fill': b'\x00' * 4096,
    }
    for name, payload in recs.items():
        yield name, base + make_chunk(2, payload, n_records=1), False, len(base)
    zs = make_chunk(2, b'\x28\xb5\x2f\xfd' + bytes(60), codec=1, raw=16 << 20)
    yield 'zstd_bomb_header', base + zs, True, len(base)
    yield 'meta_keys_huge', d[:HDR] + make_chunk(1, uv(1 << 50) + b'k', n_records=0xFFFFFFFF), False, HDR
    idx = make_chunk(4, uv(1 << 60) + uv(64) + uv(1), n_records=0xFFFFFFFF)
    body = d[:ev[-1][0] + CHDR + ev[-1][1]]
    trailer = struct.pack('<QI', len(body), len(idx)) + b'\0' * 4 + b'GCTREND\0'
    yield 'index_nchunks_huge', body + idx + trailer, False, len(body)
    trailer = struct.pack('<QI', 1 << 62, 0xFFFFFFFF) + b'\0' * 4 + b'GCTREND\0'
    yield 'trailer_points_away', body + trailer, False, len(body)
    # Seeded random bit flips: plain (a CRC must catch them) and re-sealed.
    for i in range(int(os.environ.get('ROBUST_FLIPS', '40'))):
        m = bytearray(d)
        pos = [rnd.randrange(len(m)) for _ in range(rnd.randint(1, 4))]
        for p in pos:
            m[p] ^= 1 << rnd.randrange(8)
        if bytes(m) != d:
            yield 'flip%03d' % i, bytes(m), True, (min(pos) if min(pos) >= HDR else None)
    for i in range(int(os.environ.get('ROBUST_FLIPS', '40'))):
        c = rnd.choice(ev)
        m = bytearray(d)
        for _ in range(rnd.randint(1, 4)):
            p = c[0] + CHDR + rnd.randrange(max(1, c[1]))
            m[p] ^= 1 << rnd.randrange(8)
        seal_chunk(m, c[0])
        yield 'sealflip%03d' % i, bytes(m), False, c[0]


if __name__ == '__main__':
    good = open(sys.argv[1], 'rb').read()
    os.makedirs(sys.argv[2], exist_ok=True)
    for n, b, must, _ in hostile(good, random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 8)):
        open(os.path.join(sys.argv[2], n + ('.bad' if must else '') + '.gctrace'), 'wb').write(b)
