#!/usr/bin/env bash
# Regenerates coco-polygon-rles.json: polygons rasterized by pycocotools' own C code
# (rleFrPoly in cocoapi's common/maskApi.c, what mask.frPyObjects calls), the reference that
# CocoPolygonsTest checks dev.loupe.engine.eval.CocoPolygons against.
#   ./make_coco_polygon_rles.sh /path/to/cocoapi      (a checkout of github.com/cocodataset/cocoapi)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cocoapi="${1:?usage: $0 /path/to/cocoapi}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
gcc -O1 -I"$cocoapi/common" -o "$tmp/rle" "$here/coco_polygon_rle.c" "$cocoapi/common/maskApi.c" -lm
# name height width x1 y1 x2 y2 ...
cases='rectangle-integer-corners 4 5 0 0 0 2 3 2 3 0
rectangle-half-pixel-corners 6 7 0.5 0.5 0.5 3.5 5.5 3.5 5.5 0.5
triangle 5 5 0 0 4 0 0 4
concave-l-shape 8 8 1 1 6 1 6 3 3 3 3 7 1 7
partly-outside-the-image 6 6 -2 -1 4.5 -3 8 4 2 9
bow-tie-self-intersecting 8 10 1 1 9 7 9 1 1 7
repeated-vertex 6 6 1 1 1 1 5 1 5 5 1 5
thin-sliver 5 9 0.2 2.1 8.7 2.3 8.7 2.4 0.2 2.2
fractional-twelve-gon 30 40 20.3 2.1 27.9 4.6 33.2 10.4 35.8 16.7 33.1 23.3 27.2 27.4 19.6 28.9 12.4 26.8 6.9 21.7 4.4 15.2 7.1 8.6 12.8 3.9'
{
  echo '{"source": "pycocotools rleFrPoly (cocoapi common/maskApi.c), via make_coco_polygon_rles.sh", "cases": ['
  first=true
  while read -r name h w xy; do
    n=$(wc -w <<< "$xy")
    out="$(echo "$h $w $n $xy" | "$tmp/rle")"
    counts="${out#*| }"
    $first || echo ','
    first=false
    printf '  {"name": "%s", "height": %s, "width": %s, "polygon": [%s], "counts": [%s], "rle": "%s"}' \
      "$name" "$h" "$w" "$(tr ' ' ',' <<< "$xy")" "$(tr ' ' ',' <<< "$counts")" "${out% |*}"
  done <<< "$cases"
  echo; echo ']}'
} > "$here/coco-polygon-rles.json"
echo "wrote $here/coco-polygon-rles.json"
