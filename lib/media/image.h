/*
 * image.h - decoded raster images for the visual diff, thumbnails and the
 * creative persona.
 *
 * Every decoder produces the same thing: 8-bit, non-premultiplied RGBA,
 * row-major, top row first. When the source had 16-bit samples the 16-bit
 * values are kept too (rgba16), so metrics such as PSNR can use the full
 * precision. PNG comes through libspng, JPEG through libjpeg-turbo, WebP
 * through libwebp and TIFF through libtiff; Krita (.kra) and OpenRaster
 * (.ora) files give the flattened mergedimage.png they carry, unpacked
 * through libzip. The format is sniffed from the first bytes, never from
 * the file name.
 */
#ifndef VLT_IMAGE_H
#define VLT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct vlt_buf;

/* Refuse images larger than this many pixels (a decompression bomb guard:
 * 16384 x 16384). */
#define VLT_IMAGE_MAX_PIXELS (16384ull * 16384ull)

struct vlt_image {
	uint32_t width, height;
	uint8_t *rgba;          /* width * height * 4 bytes; owned */
	uint16_t *rgba16;       /* same layout at 16 bits, or NULL; owned */
	unsigned bit_depth;     /* bits per sample in the source: 1..16 */
	unsigned channels;      /* channels in the source: 1 grey .. 4 RGBA */
	char format[8];         /* "png", "jpeg", "webp", "tiff", "kra", "ora" */
};

/* A zeroed image; vlt_image_release() on it is safe. */
void vlt_image_init(struct vlt_image *img);
void vlt_image_release(struct vlt_image *img);

/* Allocate an opaque-black w x h RGBA8 canvas (rgba16 stays NULL). */
int vlt_image_alloc(struct vlt_image *img, uint32_t w, uint32_t h);

/* The format of the bytes ("png", "jpeg", "webp", "tiff", "kra", "ora")
 * or NULL. */
const char *vlt_image_sniff(const void *data, size_t len);

/* Decode an image held in memory. VLT_E_UNSUPPORTED for an unknown format,
 * VLT_E_CORRUPT for truncated or malformed data, with a message naming the
 * problem. */
int vlt_image_decode(struct vlt_image *img, const void *data, size_t len);

/* The size in pixels from the header alone, without decoding: PNG, JPEG
 * and WebP; VLT_E_UNSUPPORTED for the other formats (TIFF, Krita,
 * OpenRaster), VLT_E_CORRUPT for a damaged header. For callers that cap
 * what they decode. */
int vlt_image_size(const void *data, size_t len, uint32_t *w, uint32_t *h);

/* Read and decode a file. */
int vlt_image_load(struct vlt_image *img, const char *path);

/* Encode the RGBA8 pixels as a PNG (8-bit RGBA). */
int vlt_image_encode_png(const struct vlt_image *img, struct vlt_buf *out);

/* Write a PNG file safely: temporary file, fsync, rename. */
int vlt_image_write_png(const struct vlt_image *img, const char *path);

/* The zlib level vlt_image_encode_png/vlt_image_write_png use. */
#define VLT_IMAGE_PNG_LEVEL_DEFAULT 6

/* The same with a zlib level 0..9; levels 0..2 also use a single cheap
 * filter (a large diff image is written several times faster). Both
 * write an 8-bit palette PNG when the pixels have at most 256 distinct
 * RGBA values (diff pictures, masks): decoding gives the same RGBA. */
int vlt_image_encode_png_level(const struct vlt_image *img, int level,
			       struct vlt_buf *out);
int vlt_image_write_png_level(const struct vlt_image *img, const char *path,
			      int level);

/* Memory for pixel data (n bytes, uninitialised, NULL when out of
 * memory), released with free(). Large buffers ask for transparent huge
 * pages: faulting in a 4K image 4 KiB at a time costs as much as a good
 * part of decoding it. */
void *vlt_image_buffer_alloc(size_t n);

/* Decode two images at once, on two threads of the core pool when
 * vlt_pool_threads() allows (both are decoded either way). On failure
 * both are released and *failed (if not NULL) is 0 or 1: which one failed
 * (the first if both did); it is -1 on success. */
int vlt_image_decode_pair(struct vlt_image *a, const void *data_a,
			  size_t len_a, struct vlt_image *b,
			  const void *data_b, size_t len_b, int *failed);

/*
 * Scale to exactly w x h (up or down, aspect ratio not kept): area
 * averaging where a side shrinks, bilinear where it grows, in
 * non-premultiplied RGBA8 with alpha weighting. dst is initialised here.
 * For comparing a resized picture with its original.
 */
int vlt_image_resize(struct vlt_image *dst, const struct vlt_image *src,
		     uint32_t w, uint32_t h);

/*
 * Text in pictures (lib/font.c): DejaVu Sans Mono 13 px, rendered by
 * FreeType from the font file (VLT_CAPTION_FONT at configure time,
 * $VAULT_CAPTION_FONT at run time). One cell of VLT_TEXT_ADVANCE by
 * VLT_TEXT_HEIGHT pixels per character (the face's metrics; 8x17 for
 * DejaVu); UTF-8, a character the font lacks is '?', a combining mark
 * goes over the character before it; clipped to the image. Thread-safe.
 *
 * Without a usable font file the text functions draw nothing (the cell
 * stays 8x17 for layout) and a warning goes once through vlt_warning().
 */
/* 0 when text can be drawn, else VLT_E_NOTFOUND with the reason
 * ("caption font PATH not found: pictures have no captions") as the
 * last error. Loads the font on first use. Callers leave their caption
 * strips out when it fails. */
int vlt_image_text_ready(void);
uint32_t vlt_image_text_advance(void);
uint32_t vlt_image_text_height(void);
#define VLT_TEXT_ADVANCE (vlt_image_text_advance())
#define VLT_TEXT_HEIGHT (vlt_image_text_height())
/* Width of text in pixels. */
uint32_t vlt_image_text_width(const char *text);
/* Draw text with its top-left corner at (x, y) in colour rgb, blended
 * over the pixels. With max_width non-zero a longer text is cut and ends
 * in "...". Returns the width drawn. */
uint32_t vlt_image_draw_text(struct vlt_image *img, int64_t x, int64_t y,
			     uint32_t max_width, const char *text,
			     const uint8_t rgb[3]);
/* Fill a rectangle (clipped) with an opaque colour. */
void vlt_image_fill_rect(struct vlt_image *img, int64_t x, int64_t y,
			 uint32_t w, uint32_t h, const uint8_t rgb[3]);
/* Grow the canvas: top and bottom rows more, at least min_width wide,
 * the new area filled with rgb, the picture kept at the left. */
int vlt_image_extend(struct vlt_image *img, uint32_t top, uint32_t bottom,
		     uint32_t min_width, const uint8_t rgb[3]);

/* Scale down (never up) to fit a max_w x max_h box, keeping the aspect
 * ratio, with an area-averaging filter. */
int vlt_image_thumbnail(struct vlt_image *dst, const struct vlt_image *src,
			uint32_t max_w, uint32_t max_h);

#endif
