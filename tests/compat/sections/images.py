"""Images dashboard (images and GIF videos): `/data/plugin/images/tags`, `/images` and
`/individualImage`.

Manifest: {"images": {tag: [point]}} per run, where a point is
    {"step": s, "width": w, "height": h, "blobs": [blob, ...]}   (one blob per sample)
and a blob is
    {"mime": "image/png" | "image/gif" | "image/jpeg",
     "hex": the encoded bytes as written,
     "pixels": [[x, y, [channels]]] (PNG) or [[frame, x, y, [r, g, b, a]]] (GIF),
     "delays_cs": [per-frame GIF delay in 1/100 s] (GIF only)}.

For every tag the served `samples` must equal the largest blob count. For every sample and
step the served bytes must equal `hex` exactly and carry `mime` as Content-Type; the bytes
are then decoded here (PNG: zlib and the five row filters; GIF: LZW; JPEG: the SOF header
only), independently of the Rust encoders, and the decoded width, height, pixels, frame
delays and looping are compared with the manifest. Standard library only.
"""

import struct
import urllib.request
import zlib

from ._common import compare_steps, compare_tag_sets, unexpected_runs

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def fetch(client, path):
    """Raw bytes and Content-Type (without parameters) of a GET."""
    with urllib.request.urlopen(client.base + path, timeout=30) as resp:
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip()
        return resp.read(), ctype


# ---------------------------------------------------------------- PNG


def decode_png(data):
    """(width, height, channels, rows) of an 8-bit, non-interlaced grey/RGB/RGBA PNG."""
    if data[:8] != PNG_SIGNATURE:
        raise ValueError("no PNG signature")
    pos, ihdr, idat = 8, None, b""
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(ctype + body) != crc:
            raise ValueError("bad CRC in chunk %r" % ctype)
        pos += 12 + length
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat += body
        elif ctype == b"IEND":
            break
    if ihdr is None:
        raise ValueError("no IHDR")
    width, height, depth, color, _, _, interlace = ihdr
    channels = {0: 1, 2: 3, 6: 4}.get(color)
    if depth != 8 or channels is None or interlace != 0:
        raise ValueError("unsupported PNG: depth %d colour %d interlace %d" % (depth, color, interlace))
    raw = zlib.decompress(idat)
    stride = width * channels
    if len(raw) != height * (stride + 1):
        raise ValueError("IDAT inflates to %d bytes, expected %d" % (len(raw), height * (stride + 1)))
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        filt, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if filt == 0:
                pred = 0
            elif filt == 1:
                pred = a
            elif filt == 2:
                pred = b
            elif filt == 3:
                pred = (a + b) // 2
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            else:
                raise ValueError("bad filter type %d in row %d" % (filt, y))
            line[i] = (line[i] + pred) & 0xFF
        rows.append(line)
        prev = line
    return width, height, channels, rows


# ---------------------------------------------------------------- GIF


def _sub_blocks(data, pos):
    blocks = []
    while True:
        n = data[pos]
        pos += 1
        if n == 0:
            return blocks, pos
        blocks.append(data[pos : pos + n])
        pos += n


def _lzw(data, min_size, count):
    """GIF LZW decoding of `count` indices."""
    clear, end = 1 << min_size, (1 << min_size) + 1
    table = [bytes([i]) for i in range(clear)] + [b"", b""]
    size, prev, out = min_size + 1, None, bytearray()
    bits = nbits = pos = 0
    while len(out) < count:
        while nbits < size:
            if pos >= len(data):
                raise ValueError("LZW data ends after %d of %d pixels" % (len(out), count))
            bits |= data[pos] << nbits
            nbits += 8
            pos += 1
        code = bits & ((1 << size) - 1)
        bits >>= size
        nbits -= size
        if code == clear:
            table = table[: clear + 2]
            size, prev = min_size + 1, None
            continue
        if code == end:
            break
        if code < len(table) and code not in (clear, end):
            entry = table[code]
            if prev is not None and len(table) < 4096:
                table.append(prev + entry[:1])
        elif code == len(table) and prev is not None:
            entry = prev + prev[:1]
            table.append(entry)
        else:
            raise ValueError("bad LZW code %d" % code)
        out += entry
        prev = entry
        if len(table) == (1 << size) and size < 12:
            size += 1
    return bytes(out[:count])


def decode_gif(data):
    """(width, height, loop_count or None, [(delay_cs, rgba bytes)]) of a GIF whose frames
    all cover the whole logical screen."""
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise ValueError("no GIF signature")
    width, height, flags = struct.unpack("<HHB", data[6:11])
    pos = 13
    global_table = None
    if flags & 0x80:
        n = 3 * (2 << (flags & 7))
        global_table, pos = data[pos : pos + n], pos + n
    frames, loops, delay, transparent = [], None, None, None
    while True:
        block = data[pos]
        pos += 1
        if block == 0x3B:
            break
        if block == 0x21:
            label = data[pos]
            blocks, pos = _sub_blocks(data, pos + 1)
            if label == 0xF9:
                packed, delay, index = struct.unpack("<BHB", blocks[0][:4])
                transparent = index if packed & 1 else None
            elif label == 0xFF and blocks and blocks[0] == b"NETSCAPE2.0":
                (loops,) = struct.unpack("<H", blocks[1][1:3])
        elif block == 0x2C:
            left, top, fw, fh, fflags = struct.unpack("<HHHHB", data[pos : pos + 9])
            pos += 9
            if (left, top, fw, fh) != (0, 0, width, height):
                raise ValueError("frame %d covers %r, not the screen" % (len(frames), (left, top, fw, fh)))
            if fflags & 0x40:
                raise ValueError("interlaced frame")
            table = global_table
            if fflags & 0x80:
                n = 3 * (2 << (fflags & 7))
                table, pos = data[pos : pos + n], pos + n
            if table is None:
                raise ValueError("frame %d has no colour table" % len(frames))
            min_size = data[pos]
            blocks, pos = _sub_blocks(data, pos + 1)
            indices = _lzw(b"".join(blocks), min_size, fw * fh)
            rgba = bytearray()
            for i in indices:
                if i == transparent:
                    rgba += b"\0\0\0\0"
                else:
                    rgba += table[3 * i : 3 * i + 3] + b"\xff"
            frames.append((delay, bytes(rgba)))
            delay, transparent = None, None
        else:
            raise ValueError("unknown GIF block 0x%02x at %d" % (block, pos - 1))
    return width, height, loops, frames


# ---------------------------------------------------------------- JPEG


def jpeg_size(data):
    """(width, height) from the first start-of-frame segment."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("no JPEG SOI")
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ValueError("no marker at %d" % pos)
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        pos += 2 + length
    raise ValueError("no SOF segment")


# ---------------------------------------------------------------- checks


def check_blob(where, point, blob, data, ctype):
    problems = []
    want = bytes.fromhex(blob["hex"])
    if data != want:
        first = next((i for i, (a, b) in enumerate(zip(data, want)) if a != b), min(len(data), len(want)))
        return problems + [
            "%s: served %d bytes differ from the %d written (first difference at byte %d)"
            % (where, len(data), len(want), first)
        ]
    if ctype != blob["mime"]:
        problems.append("%s: served as %r, expected %r" % (where, ctype, blob["mime"]))
    size = (point["width"], point["height"])
    try:
        if blob["mime"] == "image/png":
            w, h, ch, rows = decode_png(data)
            if (w, h) != size:
                problems.append("%s: PNG is %dx%d, expected %dx%d" % ((where, w, h) + size))
            for x, y, value in blob.get("pixels", []):
                got = list(rows[y][x * ch : (x + 1) * ch]) if y < h and x < w else None
                if got != value:
                    problems.append("%s: pixel (%d, %d) is %s, expected %s" % (where, x, y, got, value))
        elif blob["mime"] == "image/gif":
            w, h, loops, frames = decode_gif(data)
            if (w, h) != size:
                problems.append("%s: GIF is %dx%d, expected %dx%d" % ((where, w, h) + size))
            if loops != 0:
                problems.append("%s: GIF loop count %r, expected 0 (forever)" % (where, loops))
            delays = [d for d, _ in frames]
            if delays != blob["delays_cs"]:
                problems.append("%s: frame delays %s, expected %s" % (where, delays, blob["delays_cs"]))
            for f, x, y, value in blob.get("pixels", []):
                got = None
                if f < len(frames) and y < h and x < w:
                    got = list(frames[f][1][(y * w + x) * 4 : (y * w + x + 1) * 4])
                if got != value:
                    problems.append(
                        "%s: frame %d pixel (%d, %d) is %s, expected %s" % (where, f, x, y, got, value)
                    )
        elif blob["mime"] == "image/jpeg":
            if jpeg_size(data) != size:
                problems.append("%s: JPEG is %dx%d, expected %dx%d" % ((where,) + jpeg_size(data) + size))
        else:
            problems.append("%s: manifest mime %r has no decoder" % (where, blob["mime"]))
    except (ValueError, IndexError, struct.error, zlib.error) as e:
        problems.append("%s: cannot decode the served %s: %s" % (where, blob["mime"], e))
    return problems


def check_images(client, expected_by_run):
    problems = []
    tags_by_run = client.get("/data/plugin/images/tags")
    problems += unexpected_runs("images", tags_by_run, expected_by_run)
    for run, expected in sorted(expected_by_run.items()):
        if not expected and not tags_by_run.get(run):
            continue
        got_tags = tags_by_run.get(run, {})
        problems += compare_tag_sets("images", run, expected, got_tags)
        for tag in sorted(set(expected) & set(got_tags)):
            where = "images: run %r tag %r" % (run, tag)
            points = expected[tag]
            samples = max(len(p["blobs"]) for p in points)
            if got_tags[tag].get("samples") != samples:
                problems.append(
                    "%s: samples %r, expected %d" % (where, got_tags[tag].get("samples"), samples)
                )
            for sample in range(samples):
                having = [p for p in points if len(p["blobs"]) > sample]
                got = client.get("/data/plugin/images/images", run=run, tag=tag, sample=sample)
                swhere = "%s sample %d" % (where, sample)
                problems += compare_steps(swhere, having, [g["step"] for g in got])
                by_step = {g["step"]: g for g in got}
                for point in having:
                    g = by_step.get(point["step"])
                    if g is None:
                        continue
                    data, ctype = fetch(client, "/data/plugin/images/individualImage?" + g["query"])
                    problems += check_blob(
                        "%s step %d" % (swhere, point["step"]), point, point["blobs"][sample], data, ctype
                    )
    return problems


RUN_SECTIONS = {"images": check_images}
