#!/usr/bin/env python3
"""Streams point clouds into a qinferd pointcloud-socket source (docs/SOURCES.md, "QPC1" frames).

The frame protocol, as a depth camera or LiDAR driver would write it: b"QPC1", u32 point count, u32 fields per
point (3 = x, y, z), then count * fields float32, all little-endian, frames back to back on one connection.

This writer replays the clouds of an .npy file of shape [n, points, 3] (float32, C order), e.g. the committed
models/bipointnet/testset_points.npy, standing in for a depth camera. To feed a real one, replace `clouds()` with the
camera's frames (for example pyrealsense2's depth frame → points) and keep `frame()`. Needs only the standard library.
"""
import argparse
import ast
import socket
import struct
import sys
import time


def read_npy(path):
    """(shape, payload bytes) of a little-endian float32 C-order .npy file; anything else is refused by name."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        sys.exit(f"{path}: not an .npy file")
    major = data[6]
    if major == 1:
        (header_len,) = struct.unpack_from("<H", data, 8)
        start = 10
    else:
        (header_len,) = struct.unpack_from("<I", data, 8)
        start = 12
    header = ast.literal_eval(data[start:start + header_len].decode("latin1"))
    if header.get("descr") != "<f4" or header.get("fortran_order"):
        sys.exit(f"{path}: descr {header.get('descr')!r}, fortran_order {header.get('fortran_order')}: need '<f4' in C order")
    shape = tuple(header["shape"])
    if len(shape) != 3 or shape[2] != 3:
        sys.exit(f"{path}: shape {shape} is not [clouds, points, 3]")
    return shape, data[start + header_len:]


def frame(points_bytes, count, fields=3):
    """One QPC1 frame around `count` points of `fields` little-endian float32 each."""
    return b"QPC1" + struct.pack("<II", count, fields) + points_bytes


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--socket", required=True, help="the source's socket path (its `path` in qinferd.toml)")
    p.add_argument("--rate", type=float, default=0, help="frames per second (0: as fast as the socket takes them)")
    p.add_argument("--count", type=int, default=0, help="frames to send (0: every cloud once)")
    p.add_argument("--first", type=int, default=0, help="index of the first cloud")
    p.add_argument("npy", help="float32 [n, points, 3] clouds")
    args = p.parse_args()

    (n, points, _), payload = read_npy(args.npy)
    size = points * 3 * 4
    count = args.count or (n - args.first)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(args.socket)
        for k in range(count):
            i = (args.first + k) % n
            s.sendall(frame(payload[i * size:(i + 1) * size], points))
            if args.rate > 0:
                time.sleep(1 / args.rate)
    print(f"sent {count} frame(s) of {points} points to {args.socket}")


if __name__ == "__main__":
    main()
