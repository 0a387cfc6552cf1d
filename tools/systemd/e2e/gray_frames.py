#!/usr/bin/env python3
"""Test-set images as a raw GRAY8 video file, for a camera source's `filesrc ! rawvideoparse` pipeline.

    gray_frames.py IMAGES.npy LABELS.npy LABELS.txt OUT REPEAT INDEX...
        writes images INDEX... (u8, H×W each) in that order, the whole sequence REPEAT times, to OUT, and prints
        their label names in order, one line, separated by spaces

The end-to-end test plays the file as a camera and expects the answers to follow these labels. Standard library
only, like npy_sample.py (whose reader it shares).
"""
import sys

from npy_sample import label_name, sample


def main():
    images_path, labels_path, names_path, out, repeat, *indices = sys.argv[1:]
    if not indices:
        raise SystemExit("gray_frames.py: no image indices given")
    frames, names = b"", []
    for index in map(int, indices):
        descr, shape, data = sample(images_path, index)
        if descr != "|u1" or len(shape) != 2:
            raise SystemExit(f"{images_path}: sample {index} is {descr} {shape}, not an 8-bit gray image")
        frames += data
        names.append(label_name(labels_path, names_path, index))
    with open(out, "wb") as f:
        f.write(frames * int(repeat))
    print(" ".join(names))


if __name__ == "__main__":
    main()
