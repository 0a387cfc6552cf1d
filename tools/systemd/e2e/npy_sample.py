#!/usr/bin/env python3
"""One test-set sample as its own .npy file, and its label's name.

    npy_sample.py IMAGES.npy LABELS.npy LABELS.txt INDEX OUT.npy     prints the label name of sample INDEX

The end-to-end test posts one shipped test-set image to the installed qinferd and expects this label back. Standard
library only: it runs with the host's python3 before .venv exists, and the rootfs has no Python at all.
"""
import ast
import struct
import sys


def read_npy(path):
    """(header dict, data bytes) of a C-order .npy file, format version 1, 2 or 3."""
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:6] != b"\x93NUMPY":
        raise SystemExit(f"{path}: not an .npy file")
    major = blob[6]
    if major == 1:
        (length,), start = struct.unpack("<H", blob[8:10]), 10
    else:
        (length,), start = struct.unpack("<I", blob[8:12]), 12
    header = ast.literal_eval(blob[start:start + length].decode("latin1"))
    if header["fortran_order"]:
        raise SystemExit(f"{path}: Fortran order is not handled")
    return header, blob[start + length:]


def item_size(descr):
    return int(descr[2:])  # '|u1', '<i4', '<f4': the digits are the byte count


def write_npy(path, descr, shape, data):
    header = repr({"descr": descr, "fortran_order": False, "shape": tuple(shape)}).encode("latin1")
    # Version 1.0: the whole header, magic included, padded with spaces to a multiple of 64 and ended by a newline.
    padding = 64 - (10 + len(header) + 1) % 64
    header += b" " * (padding % 64) + b"\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + data)


def sample(images_path, index):
    """(descr, shape, bytes) of sample INDEX of a stacked .npy file."""
    header, data = read_npy(images_path)
    shape = header["shape"]
    per_sample = item_size(header["descr"])
    for extent in shape[1:]:
        per_sample *= extent
    if not 0 <= index < shape[0] or len(data) != per_sample * shape[0]:
        raise SystemExit(f"{images_path}: sample {index} is not in shape {shape}")
    return header["descr"], shape[1:], data[index * per_sample:(index + 1) * per_sample]


def label_name(labels_path, names_path, index):
    labels_header, labels = read_npy(labels_path)
    if labels_header["descr"] not in ("<i4", "<i8", "|u1"):
        raise SystemExit(f"{labels_path}: labels of type {labels_header['descr']} are not handled")
    size = item_size(labels_header["descr"])
    label = int.from_bytes(labels[index * size:(index + 1) * size], "little", signed=size > 1)
    with open(names_path) as f:
        names = [line.strip() for line in f if line.strip()]
    return names[label]


def main():
    images_path, labels_path, names_path, index, out = sys.argv[1:6]
    descr, shape, data = sample(images_path, int(index))
    write_npy(out, descr, shape, data)
    print(label_name(labels_path, names_path, int(index)))


if __name__ == "__main__":
    main()
