#!/usr/bin/python3
"""Reference outputs of OpenCV's INTER_LANCZOS4 resize, for OpenCvLanczos4Test.

Made with Debian's python3-opencv 4.6.0:  cd engine/src/test/resources/vision && /usr/bin/python3 make_lanczos4.py
Source: the oracle's 37x300 RGB test image (no alpha, PNG: decoded alike everywhere).
Writes lanczos4_WxH.png: the source enlarged, shrunk, and both at once.
"""
import cv2

src = cv2.imread("../oracle/images/synth_tall_37x300.png", cv2.IMREAD_COLOR)
for w, h in [(53, 311), (20, 97), (90, 150), (37, 300)]:
    cv2.imwrite(f"lanczos4_{w}x{h}.png", cv2.resize(src, (w, h), interpolation=cv2.INTER_LANCZOS4))
