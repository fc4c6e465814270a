/*
 * font.c - text in the pictures vault draws (the A/B labels of a visual
 * diff, the colour key of a model diff): DejaVu Sans Mono at 13 pixels,
 * rendered at run time by FreeType from the font file of Debian's
 * fonts-dejavu-core (the path is a configure-time default,
 * --with-caption-font, overridden by $VAULT_CAPTION_FONT).
 *
 * Every character takes one cell of the face's metrics (the advance of
 * 'M' by ascender - descender); combining marks share the cell of the
 * character before them, zero-width characters take none. A character
 * the font lacks is drawn as '?'. Everything is clipped to the image.
 *
 * The face is opened and printable ASCII rendered once per process
 * (pthread_once); those cells are read without a lock afterwards. Other
 * characters are rendered on first use under a mutex (an FT_Face is not
 * thread-safe) into a two-level table by code point, and kept until the
 * process ends. When the font file is missing or damaged nothing is
 * drawn, vlt_image_text_ready() says why, and a warning goes once
 * through vlt_warning().
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ft2build.h>
#include FT_FREETYPE_H

#include "error.h"
#include "image.h"

#ifndef VLT_CAPTION_FONT
#define VLT_CAPTION_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
#endif
#define FONT_PX 13
/* the cell of DejaVu Sans Mono 13 px, used for layout when no font */
#define NOMINAL_W 8
#define NOMINAL_H 17
/* a cell larger than this is not a 13 px text face */
#define MAX_CELL 64

static pthread_once_t font_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t font_mutex = PTHREAD_MUTEX_INITIALIZER;
static FT_Library ft;
static FT_Face face;
static int font_ok;
static char font_why[1200];     /* why there is no font, when font_ok is 0 */
static uint32_t cell_w = NOMINAL_W, cell_h = NOMINAL_H;
static int ascent;
/* printable ASCII, rendered at load, read without the lock */
static uint8_t *ascii[0x7f - 0x20];
/* other code points: pages[cp >> 8][cp & 0xff], under font_mutex; a
 * character the font lacks points at ascii['?'] */
#define NPAGES (0x110000 >> 8)
static uint8_t **pages[NPAGES];

/* Zero-width characters, drawn as nothing: joiners, spaces of no width,
 * variation selectors, the byte order mark. */
static int zero_width(unsigned long cp)
{
	return (cp >= 0x200b && cp <= 0x200f) || cp == 0x2060 ||
	       (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0xfeff;
}

/* Combining marks, drawn over the character before them (NFD names,
 * as macOS writes them: "cafe" + U+0301). */
static int combining(unsigned long cp)
{
	return (cp >= 0x0300 && cp <= 0x036f) ||
	       (cp >= 0x1ab0 && cp <= 0x1aff) ||
	       (cp >= 0x1dc0 && cp <= 0x1dff) ||
	       (cp >= 0x20d0 && cp <= 0x20ff) ||
	       (cp >= 0xfe20 && cp <= 0xfe2f);
}

/* Render cp into a new cell (NULL: the font lacks it, or out of memory).
 * A combining mark is centred in its cell. Called with the face to
 * itself: at load, or under font_mutex. */
static uint8_t *render(unsigned long cp)
{
	FT_UInt gi = FT_Get_Char_Index(face, cp);
	FT_GlyphSlot g;
	uint8_t *cell;
	int shift = 0;

	if (!gi || FT_Load_Glyph(face, gi, FT_LOAD_RENDER | FT_LOAD_TARGET_LIGHT))
		return NULL;
	g = face->glyph;
	if (g->bitmap.pixel_mode != FT_PIXEL_MODE_GRAY)
		return NULL;
	if (!(cell = calloc((size_t)cell_w * cell_h, 1)))
		return NULL;
	if (combining(cp))
		shift = ((int)cell_w - (int)g->bitmap.width) / 2 - g->bitmap_left;
	for (unsigned y = 0; y < g->bitmap.rows; y++)
		for (unsigned x = 0; x < g->bitmap.width; x++) {
			int cx = g->bitmap_left + shift + (int)x;
			int cy = ascent - g->bitmap_top + (int)y;

			if (cx >= 0 && cx < (int)cell_w && cy >= 0 &&
			    cy < (int)cell_h)
				cell[cy * (int)cell_w + cx] = g->bitmap.buffer[
					(long)y * g->bitmap.pitch + (long)x];
		}
	return cell;
}

static void drop_face(void)
{
	for (size_t i = 0; i < sizeof(ascii) / sizeof(ascii[0]); i++) {
		free(ascii[i]);
		ascii[i] = NULL;
	}
	if (face)
		FT_Done_Face(face);
	if (ft)
		FT_Done_FreeType(ft);
	face = NULL;
	ft = NULL;
}

/* FreeType's words for the errors a bad font file gives (Debian builds
 * it without FT_Error_String's table). */
static const char *ft_reason(FT_Error e)
{
	static char other[32];

	switch (e) {
	case FT_Err_Cannot_Open_Resource: return "cannot open it";
	case FT_Err_Unknown_File_Format: return "unknown file format";
	case FT_Err_Invalid_File_Format: return "invalid file format";
	case FT_Err_Invalid_Table: return "broken table";
	case FT_Err_Invalid_Pixel_Size: return "no 13 px size";
	case FT_Err_Out_Of_Memory: return "out of memory";
	}
	snprintf(other, sizeof(other), "FreeType error %d", e);
	return other;
}

static int load_face(const char *path)
{
	struct stat st;
	FT_Error e;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(font_why, sizeof(font_why), "caption font %s is a "
			 "directory, not a font file: pictures have no captions",
			 path);
		return -1;
	}
	if (access(path, R_OK) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			snprintf(font_why, sizeof(font_why), "caption font %s not "
				 "found: pictures have no captions", path);
		else
			snprintf(font_why, sizeof(font_why), "caption font %s: %s: "
				 "pictures have no captions", path, strerror(errno));
		return -1;
	}
	if ((e = FT_Init_FreeType(&ft))) {
		ft = NULL;
		snprintf(font_why, sizeof(font_why), "cannot start FreeType "
			 "(error %d): pictures have no captions", e);
		return -1;
	}
	if ((e = FT_New_Face(ft, path, 0, &face))) {
		face = NULL;
		snprintf(font_why, sizeof(font_why), "caption font %s is damaged or "
			 "not a font (%s): pictures have no captions", path,
			 ft_reason(e));
		return -1;
	}
	if (FT_Select_Charmap(face, FT_ENCODING_UNICODE)) {
		snprintf(font_why, sizeof(font_why), "caption font %s has no "
			 "Unicode character map: pictures have no captions", path);
		return -1;
	}
	if ((e = FT_Set_Pixel_Sizes(face, 0, FONT_PX)) ||
	    (e = FT_Load_Char(face, 'M', FT_LOAD_DEFAULT | FT_LOAD_TARGET_LIGHT))) {
		snprintf(font_why, sizeof(font_why), "caption font %s is damaged or "
			 "not a font (%s): pictures have no captions", path,
			 ft_reason(e));
		return -1;
	}
	cell_w = (uint32_t)(face->glyph->advance.x >> 6);
	cell_h = (uint32_t)((face->size->metrics.ascender -
			     face->size->metrics.descender) >> 6);
	ascent = (int)(face->size->metrics.ascender >> 6);
	if (!cell_w || cell_w > MAX_CELL || !cell_h || cell_h > MAX_CELL ||
	    ascent <= 0) {
		snprintf(font_why, sizeof(font_why), "caption font %s has a cell "
			 "of %ux%u pixels at %d px: pictures have no captions",
			 path, cell_w, cell_h, FONT_PX);
		return -1;
	}
	for (unsigned long c = 0x20; c < 0x7f; c++)
		if (!(ascii[c - 0x20] = render(c)) && c != '?' && c != ' ') {
			snprintf(font_why, sizeof(font_why), "caption font %s lacks "
				 "or cannot draw '%c': pictures have no captions",
				 path, (int)c);
			return -1;
		}
	if (!ascii[' ' - 0x20] && !(ascii[' ' - 0x20] = calloc(cell_w * cell_h, 1))) {
		snprintf(font_why, sizeof(font_why), "out of memory for the caption "
			 "font: pictures have no captions");
		return -1;
	}
	if (!ascii['?' - 0x20]) {
		snprintf(font_why, sizeof(font_why), "caption font %s lacks '?': "
			 "pictures have no captions", path);
		return -1;
	}
	return 0;
}

static void load_once(void)
{
	const char *path = getenv("VAULT_CAPTION_FONT");

	if (!path || !*path)
		path = VLT_CAPTION_FONT;
	if (load_face(path) == 0) {
		font_ok = 1;
		return;
	}
	drop_face();
	cell_w = NOMINAL_W;
	cell_h = NOMINAL_H;
	vlt_warning("%s", font_why);
}

/* Frees the cache at exit, so that leak checkers see none. */
__attribute__((destructor)) static void font_release(void)
{
	if (!font_ok)
		return;
	for (size_t p = 0; p < NPAGES; p++) {
		if (!pages[p])
			continue;
		for (int i = 0; i < 256; i++)
			if (pages[p][i] != ascii['?' - 0x20])
				free(pages[p][i]);
		free(pages[p]);
		pages[p] = NULL;
	}
	drop_face();
	font_ok = 0;
}

int vlt_image_text_ready(void)
{
	pthread_once(&font_once, load_once);
	if (!font_ok)
		return vlt_error_set(VLT_E_NOTFOUND, "%s", font_why);
	return 0;
}

uint32_t vlt_image_text_advance(void)
{
	pthread_once(&font_once, load_once);
	return cell_w;
}

uint32_t vlt_image_text_height(void)
{
	pthread_once(&font_once, load_once);
	return cell_h;
}

/* The cell of cp (the font's '?' when it lacks cp); NULL without a font. */
static const uint8_t *glyph(unsigned long cp)
{
	const uint8_t *q = ascii['?' - 0x20];
	uint8_t **page, *cell;

	if (!font_ok)
		return NULL;
	if (cp >= 0x20 && cp < 0x7f)
		return ascii[cp - 0x20];
	if (cp >= 0x110000 || cp < 0x20 || (cp >= 0xd800 && cp <= 0xdfff))
		return q;
	pthread_mutex_lock(&font_mutex);
	if (!(page = pages[cp >> 8]) &&
	    (page = pages[cp >> 8] = calloc(256, sizeof(*page))) == NULL) {
		pthread_mutex_unlock(&font_mutex);
		return q;
	}
	if (!page[cp & 0xff])
		page[cp & 0xff] = (cell = render(cp)) ? cell : (uint8_t *)q;
	cell = page[cp & 0xff];
	pthread_mutex_unlock(&font_mutex);
	return cell;
}

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

uint32_t vlt_image_text_width(const char *text)
{
	uint32_t n = 0;

	while (*text) {
		unsigned long cp = next_cp(&text);

		if (!zero_width(cp) && !(combining(cp) && n))
			n++;
	}
	return n * vlt_image_text_advance();
}

static void blend(uint8_t *px, const uint8_t rgb[3], unsigned cover)
{
	for (int c = 0; c < 3; c++)
		px[c] = (uint8_t)((px[c] * (255 - cover) + rgb[c] * cover + 127) /
				  255);
	px[3] = 255;
}

static void draw_glyph(struct vlt_image *img, int64_t x, int64_t y,
		       const uint8_t *cell, const uint8_t rgb[3])
{
	if (!cell)
		return;
	for (uint32_t gy = 0; gy < cell_h; gy++) {
		int64_t py = y + gy;

		if (py < 0 || py >= img->height)
			continue;
		for (uint32_t gx = 0; gx < cell_w; gx++) {
			int64_t px = x + gx;
			unsigned cover = cell[gy * cell_w + gx];

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
	uint32_t adv = vlt_image_text_advance();
	uint32_t n = vlt_image_text_width(text) / adv;
	uint32_t fit = max_width / adv, drawn = 0;
	int cut = max_width && n > fit;

	if (!img->rgba || !font_ok)
		return 0;
	if (cut)  /* leave room for "..." */
		fit = fit > 3 ? fit - 3 : 0;
	while (*text) {
		unsigned long cp = next_cp(&text);

		if (zero_width(cp))
			continue;
		if (combining(cp) && drawn) {
			draw_glyph(img, x + (int64_t)(drawn - 1) * adv, y,
				   glyph(cp), rgb);
			continue;
		}
		if (cut && drawn >= fit)
			break;
		draw_glyph(img, x + (int64_t)drawn * adv, y, glyph(cp), rgb);
		drawn++;
	}
	if (cut)
		for (int i = 0; i < 3 && (drawn + 1) * adv <= max_width;
		     i++, drawn++)
			draw_glyph(img, x + (int64_t)drawn * adv, y, glyph('.'),
				   rgb);
	return drawn * adv;
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
