// Draws the overlays of every figure of a Loupe report (FigureHtml writes them): a figure's
// data-figure attribute holds its frame (the original image's width and height) and layers of
// boxes, points, masks (COCO compressed RLE) and persons, all in original-image pixels. Boxes,
// points and skeletons go into an SVG whose viewBox is that frame, so the browser scales them
// with the image; masks are decoded here and painted into a canvas over the image.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var MASK_ALPHA = 115; // of 255: the image stays visible under a mask
  var VISIBLE = 0.5;    // a keypoint at this visibility or more is drawn filled (the Youtu-VL demo's threshold)

  // pycocotools' rleFrString: each count in 5-bit groups, low first, with a continuation bit
  // (0x20) and the last group's 0x10 as sign, offset by 48 into ASCII; counts after the second
  // are stored as differences to the count two before. Arithmetic, not bit operators: those
  // are 32-bit in JavaScript and a 7-group count needs 35 bits.
  function rleCounts(s) {
    var counts = [], p = 0;
    while (p < s.length) {
      var x = 0, k = 0, more = true;
      while (more) {
        if (p >= s.length) return null;
        var c = s.charCodeAt(p++) - 48;
        if (c < 0 || c > 63) return null;
        x += (c & 0x1f) * Math.pow(32, k);
        more = (c & 0x20) !== 0;
        k++;
        if (!more && (c & 0x10)) x -= Math.pow(32, k);
      }
      if (counts.length > 2) x += counts[counts.length - 2];
      counts.push(x);
    }
    return counts;
  }

  // The mask as one byte per pixel in COCO's column-major order (x * height + y); null when the
  // RLE is broken or does not cover height x width exactly.
  function maskBits(m) {
    var counts = rleCounts(m.counts);
    if (!counts) return null;
    var bits = new Uint8Array(m.width * m.height), i = 0, on = false;
    for (var r = 0; r < counts.length; r++) {
      if (counts[r] < 0 || i + counts[r] > bits.length) return null;
      if (on) bits.fill(1, i, i + counts[r]);
      i += counts[r];
      on = !on;
    }
    return i === bits.length ? bits : null;
  }

  function rgb(color) {
    var n = parseInt(color.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }

  function paintMasks(canvas, masks) {
    var ctx = canvas.getContext('2d'), cw = canvas.width, ch = canvas.height;
    masks.forEach(function (m) {
      var bits = maskBits(m);
      if (!bits) return;
      var c = rgb(m.color), layer = ctx.createImageData(cw, ch), d = layer.data;
      var columns = new Int32Array(cw); // each canvas column's mask column, times the mask's height
      for (var x = 0; x < cw; x++) columns[x] = Math.min(m.width - 1, Math.floor((x + 0.5) * m.width / cw)) * m.height;
      for (var y = 0; y < ch; y++) {
        var my = Math.min(m.height - 1, Math.floor((y + 0.5) * m.height / ch));
        for (x = 0; x < cw; x++) {
          if (!bits[columns[x] + my]) continue;
          var k = (y * cw + x) * 4;
          d[k] = c[0]; d[k + 1] = c[1]; d[k + 2] = c[2]; d[k + 3] = MASK_ALPHA;
        }
      }
      // putImageData replaces pixels; drawing through a second canvas blends overlapping masks.
      var scratch = document.createElement('canvas');
      scratch.width = cw;
      scratch.height = ch;
      scratch.getContext('2d').putImageData(layer, 0, 0);
      ctx.drawImage(scratch, 0, 0);
    });
  }

  function svg(tag, attributes) {
    var e = document.createElementNS(SVG, tag);
    for (var a in attributes) e.setAttribute(a, attributes[a]);
    return e;
  }

  function stroke(color, width) {
    return {fill: 'none', stroke: color, 'stroke-width': width, 'vector-effect': 'non-scaling-stroke'};
  }

  function extend(a, b) {
    for (var k in b) a[k] = b[k];
    return a;
  }

  function label(labels, frame, x, y, text, color) {
    var div = document.createElement('div');
    div.className = 'label';
    div.textContent = text;
    div.style.left = (100 * x / frame.width) + '%';
    div.style.top = (100 * y / frame.height) + '%';
    div.style.background = color;
    var c = rgb(color);
    div.style.color = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] > 150 ? '#000' : '#fff';
    if (y / frame.height < 0.06) div.classList.add('inside'); // no room above the box
    labels.appendChild(div);
  }

  function draw(figure) {
    var frame = JSON.parse(figure.getAttribute('data-figure'));
    var stage = figure.querySelector('.stage');
    var k = frame.width / (stage.clientWidth || frame.width); // frame pixels per CSS pixel
    var ratio = window.devicePixelRatio || 1;
    var canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(stage.clientWidth * ratio));
    canvas.height = Math.max(1, Math.round(stage.clientHeight * ratio));
    var layer = svg('svg', {viewBox: '0 0 ' + frame.width + ' ' + frame.height, preserveAspectRatio: 'none'});
    var labels = document.createElement('div');
    labels.className = 'labels';
    stage.appendChild(canvas);
    stage.appendChild(layer);
    stage.appendChild(labels);

    frame.overlays.forEach(function (o) {
      var truth = o.role === 'truth';
      paintMasks(canvas, o.masks);
      o.masks.forEach(function (m) {
        if (!maskBits(m)) label(labels, frame, 0, 0, 'unreadable mask' + (m.label ? ' ' + m.label : ''), m.color);
      });
      o.boxes.forEach(function (b) {
        layer.appendChild(svg('rect', extend({x: b.x0, y: b.y0, width: Math.max(0, b.x1 - b.x0), height: Math.max(0, b.y1 - b.y0),
          'class': o.role}, stroke(b.color, 3))));
        var text = (truth ? 'truth' : (b.label || '')) + (b.score != null ? ' ' + b.score.toFixed(2) : '');
        if (text) label(labels, frame, b.x0, b.y0, text, b.color);
      });
      o.points.forEach(function (p) {
        layer.appendChild(svg('circle', extend({cx: p.x, cy: p.y, r: 5 * k}, {fill: p.color, stroke: '#fff', 'stroke-width': 1.5,
          'vector-effect': 'non-scaling-stroke'})));
        if (p.label) label(labels, frame, p.x, p.y, p.label, p.color);
      });
      o.persons.forEach(function (p) {
        layer.appendChild(svg('rect', extend({x: p.x0, y: p.y0, width: Math.max(0, p.x1 - p.x0), height: Math.max(0, p.y1 - p.y0),
          'stroke-dasharray': '6 4'}, stroke(p.color, 1.5))));
        p.limbs.forEach(function (limb) {
          var a = p.keypoints[limb[0]], b = p.keypoints[limb[1]];
          layer.appendChild(svg('line', extend({x1: a.x, y1: a.y, x2: b.x, y2: b.y, 'stroke-linecap': 'round'}, stroke(p.color, 3))));
        });
        p.keypoints.forEach(function (kp) {
          var visible = kp.v == null || kp.v >= VISIBLE;
          var dot = svg('circle', extend({cx: kp.x, cy: kp.y, r: 4 * k}, stroke(p.color, 1.5)));
          dot.setAttribute('fill', visible ? p.color : 'none');
          dot.appendChild(svg('title', {})).textContent = kp.name + (kp.v != null ? ' (visibility ' + kp.v + ')' : '');
          layer.appendChild(dot);
        });
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('figure.loupe-figure[data-figure]'), function (figure) {
    try {
      draw(figure);
    } catch (e) {
      figure.classList.add('broken');
      figure.setAttribute('title', 'could not draw: ' + e);
    }
  });
}());
