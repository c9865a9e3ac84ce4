#!/usr/bin/python3
"""Reference masks for PolygonRasterizerTest and CocoRleTest.

Rasterizes each polygon with OpenCV's cv2.fillPoly (what the Youtu-VL demo draws referring-
segmentation polygons with: 8-connected, no shift) and encodes the mask as COCO compressed RLE
with an implementation of pycocotools' rleEncode/rleToString written here, independently of
Loupe's Java one. Run with Debian's python3-opencv (4.6.0):

    /usr/bin/python3 engine/src/test/resources/task/make_polygon_masks.py > engine/src/test/resources/task/polygon-masks.json
"""
import json
import cv2
import numpy as np

CASES = [
    ("triangle", 20, 15, [(2, 1), (17, 4), (6, 13)]),
    ("square", 12, 10, [(2, 2), (9, 2), (9, 7), (2, 7)]),
    ("concave-arrow", 24, 20, [(1, 1), (22, 10), (1, 18), (8, 10)]),
    ("concave-u", 16, 16, [(1, 1), (5, 1), (5, 10), (10, 10), (10, 1), (14, 1), (14, 14), (1, 14)]),
    ("touching-every-border", 11, 9, [(0, 0), (10, 0), (10, 8), (0, 8)]),
    ("border-diagonal", 13, 7, [(0, 6), (12, 0), (12, 6)]),
    ("self-intersecting-bowtie", 15, 12, [(1, 1), (13, 10), (13, 1), (1, 10)]),
    ("steep-and-shallow", 30, 25, [(3, 2), (5, 23), (28, 20), (27, 18), (4, 3)]),
    ("degenerate-point", 8, 8, [(3, 4)]),
    ("degenerate-line", 10, 6, [(1, 1), (8, 4)]),
    ("degenerate-collinear", 10, 6, [(0, 5), (4, 3), (8, 1)]),
    ("horizontal-sliver", 9, 5, [(1, 2), (7, 2), (7, 2)]),
    ("wide-image", 64, 3, [(0, 0), (63, 1), (31, 2)]),
]


def rle_counts(mask):
    """Column-major run lengths, starting with a run of zeros (pycocotools' rleEncode)."""
    flat = mask.flatten(order="F")
    counts, current, run = [], 0, 0
    for v in flat:
        if v != current:
            counts.append(run)
            current, run = v, 0
        run += 1
    counts.append(run)
    return counts


def rle_string(counts):
    """pycocotools' rleToString: deltas against the count two back, 5-bit groups with a continuation bit, +48."""
    out = []
    for i, c in enumerate(counts):
        x = c - counts[i - 2] if i > 2 else c
        more = True
        while more:
            ch = x & 0x1F
            x >>= 5
            more = (x != -1) if (ch & 0x10) else (x != 0)
            if more:
                ch |= 0x20
            out.append(chr(ch + 48))
    return "".join(out)


cases = []
for name, w, h, pts in CASES:
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [np.array(pts, np.int32)], 1)
    counts = rle_counts(mask)
    cases.append({"name": name, "width": w, "height": h, "points": [list(p) for p in pts],
                  "rows": ["".join("#" if v else "." for v in row) for row in mask],
                  "counts": counts, "rle": rle_string(counts)})
print(json.dumps({"source": "cv2.fillPoly (OpenCV " + cv2.__version__ + "), 8-connected, shift 0; COCO RLE per pycocotools",
                  "cases": cases}, indent=1))
