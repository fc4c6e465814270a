/*
 * font.c - text in the pictures vault draws (the A/B labels of a visual
 * diff, the colour legend of a model diff): one built-in monospaced font,
 * DejaVu Sans Mono at 13 pixels with 8-bit coverage (lib/font-data.h,
 * made once by scripts/mkfont.c through FreeType). Built in rather than
 * loaded at run time so that the pictures are the same on every machine
 * and need no font file or font library.
 *
 * Text is UTF-8; a character the font lacks is drawn as '?'. Everything
 * is clipped to the image.
 */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "image.h"
#include "font-data.h"

#if FONT_CELL_W != VLT_TEXT_ADVANCE || FONT_CELL_H != VLT_TEXT_HEIGHT
#error "lib/font-data.h does not match VLT_TEXT_ADVANCE / VLT_TEXT_HEIGHT"
#endif

/* The next code point of s (advanced past it); a bad byte is U+FFFD. */
static unsigned long next_cp(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	unsigned long cp;
	int n;

	if (p[0] < 0x80) {
		*s += 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		cp = p[0] & 0x1f;
		n = 1;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = p[0] & 0x0f;
		n = 2;
	} else if ((p[0] & 0xf8) == 0xf0) {
		cp = p[0] & 0x07;
		n = 3;
	} else {
		*s += 1;
		return 0xfffd;
	}
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*s += i;
			return 0xfffd;
		}
		cp = cp << 6 | (p[i] & 0x3f);
	}
	*s += n + 1;
	return cp;
}

static int glyph_index(unsigned long cp)
{
	if (cp >= 0x20 && cp < 0x7f)
		return (int)(cp - 0x20);
	for (int i = 0x7f - 0x20; i < FONT_NGLYPHS; i++)
		if (font_codepoints[i] == cp)
			return i;
	return '?' - 0x20;
}

uint32_t vlt_image_text_width(const char *text)
{
	uint32_t n = 0;

	while (*text) {
		next_cp(&text);
		n++;
	}
	return n * VLT_TEXT_ADVANCE;
}

static void blend(uint8_t *px, const uint8_t rgb[3], unsigned cover)
{
	for (int c = 0; c < 3; c++)
		px[c] = (uint8_t)((px[c] * (255 - cover) + rgb[c] * cover + 127) /
				  255);
	px[3] = 255;
}

static void draw_glyph(struct vlt_image *img, int64_t x, int64_t y, int g,
		       const uint8_t rgb[3])
{
	for (int gy = 0; gy < FONT_CELL_H; gy++) {
		int64_t py = y + gy;

		if (py < 0 || py >= img->height)
			continue;
		for (int gx = 0; gx < FONT_CELL_W; gx++) {
			int64_t px = x + gx;
			unsigned cover = font_glyphs[g][gy * FONT_CELL_W + gx];

			if (!cover || px < 0 || px >= img->width)
				continue;
			blend(img->rgba + ((size_t)py * img->width + (size_t)px) * 4,
			      rgb, cover);
		}
	}
}

uint32_t vlt_image_draw_text(struct vlt_image *img, int64_t x, int64_t y,
			     uint32_t max_width, const char *text,
			     const uint8_t rgb[3])
{
	uint32_t n = vlt_image_text_width(text) / VLT_TEXT_ADVANCE;
	uint32_t fit = max_width / VLT_TEXT_ADVANCE, drawn = 0;
	int cut = max_width && n > fit;

	if (!img->rgba)
		return 0;
	if (cut)  /* leave room for "..." */
		fit = fit > 3 ? fit - 3 : 0;
	while (*text && (!cut || drawn < fit)) {
		draw_glyph(img, x + (int64_t)drawn * VLT_TEXT_ADVANCE, y,
			   glyph_index(next_cp(&text)), rgb);
		drawn++;
	}
	if (cut)
		for (int i = 0; i < 3 && (drawn + 1) * VLT_TEXT_ADVANCE <= max_width;
		     i++, drawn++)
			draw_glyph(img, x + (int64_t)drawn * VLT_TEXT_ADVANCE, y,
				   '.' - 0x20, rgb);
	return drawn * VLT_TEXT_ADVANCE;
}

void vlt_image_fill_rect(struct vlt_image *img, int64_t x, int64_t y,
			 uint32_t w, uint32_t h, const uint8_t rgb[3])
{
	for (int64_t py = y < 0 ? 0 : y; py < y + h && py < img->height; py++)
		for (int64_t px = x < 0 ? 0 : x; px < x + w && px < img->width;
		     px++) {
			uint8_t *p = img->rgba + ((size_t)py * img->width +
						  (size_t)px) * 4;

			p[0] = rgb[0];
			p[1] = rgb[1];
			p[2] = rgb[2];
			p[3] = 255;
		}
}

int vlt_image_extend(struct vlt_image *img, uint32_t top, uint32_t bottom,
		     uint32_t min_width, const uint8_t rgb[3])
{
	struct vlt_image big;
	uint32_t w = img->width > min_width ? img->width : min_width;
	uint64_t h = (uint64_t)img->height + top + bottom;
	int err;

	if (h > UINT32_MAX || (uint64_t)w * h > VLT_IMAGE_MAX_PIXELS)
		return vlt_error_set(VLT_E_INVALID, "picture of %ux%llu is "
				     "larger than the limit", w,
				     (unsigned long long)h);
	if ((err = vlt_image_alloc(&big, w, (uint32_t)h)) < 0)
		return err;
	vlt_image_fill_rect(&big, 0, 0, w, (uint32_t)h, rgb);
	for (uint32_t y = 0; y < img->height; y++)
		memcpy(big.rgba + ((size_t)(y + top) * w) * 4,
		       img->rgba + (size_t)y * img->width * 4,
		       (size_t)img->width * 4);
	snprintf(big.format, sizeof(big.format), "%s", img->format);
	vlt_image_release(img);
	*img = big;
	return 0;
}
