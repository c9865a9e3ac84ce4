/**
 * Image bytes to vision-encoder input, matching llama.cpp (build 11669) byte for byte.
 *
 * <pre>
 * bytes ─▶ ImageDecoder ─▶ RgbImage ─▶ Idefics3Preprocessor ─▶ PreprocessedImage (tiles + overview, CHW floats)
 *            ├─ JpegDecoder (stb_image's integer pipeline: JpegBitReader, JpegHuffmanTable, JpegIdct, JpegColorConverter)
 *            └─ ImageIO for PNG/BMP/GIF/WebP, then RasterConverter / GifFirstFrame (stb's sample rules)
 *                                        └─ PillowResampler (ResampleWeights, ResizeFilter), Letterbox
 * </pre>
 *
 * Ground truth: stb_image for decoding (what llama.cpp's mtmd helper calls) and the oracle's
 * preprocessed pixels for resizing; see the tests for what was compared and how.
 */
package dev.loupe.engine.vision;
