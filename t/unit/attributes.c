/*
 * attributes.c - unit tests for lib/attributes.c: parsing, precedence
 * (later lines, deeper files, per attribute), the patterns (ignore.c's
 * matcher), the game defaults, and bad lines named by file and line.
 */
#include <string.h>

#include "attributes.h"
#include "error.h"
#include "tap.h"

static struct vlt_attr_result look(const struct vlt_attrs *a, const char *p)
{
	struct vlt_attr_result r;

	vlt_attr_lookup(a, p, &r);
	return r;
}

static int add(struct vlt_attrs *a, const char *dir, const char *text,
	       const char *src)
{
	return vlt_attrs_add(a, dir, text, strlen(text), src);
}

int main(void)
{
	struct vlt_attrs *a;
	struct vlt_attr_result r;
	const char *game;

	tap_plan_lazy();
	ok(vlt_attrs_new(&a) == 0, "new attribute set");
	ok(add(a, "", "\xef\xbb\xbf# policy\n\n*.png compress=none\r\n"
	       "*.wav chunker=asset delta\n"
	       "audio/*.wav chunker=fixed\n"
	       "*.png -delta\n"
	       "raw.png !compress compress=auto\n", ".vaultattributes") == 0,
	   "a root file with a BOM, CRLF, comments");
	r = look(a, "art/hero.png");
	ok(r.has_compress && r.codec == VLT_CODEC_NONE && r.delta == 0 &&
	   !r.has_chunker, "*.png at any depth: compress=none, -delta");
	r = look(a, "raw.png");
	ok(!r.has_compress && r.delta == 0,
	   "a later line sets compress back to auto, delta stays");
	r = look(a, "sfx/boom.wav");
	ok(r.has_chunker && r.chunker == VLT_CHUNKER_ASSET && r.delta == 1,
	   "*.wav: chunker=asset, delta set");
	r = look(a, "audio/boom.wav");
	ok(r.chunker == VLT_CHUNKER_FIXED && r.delta == 1,
	   "a later anchored line wins for chunker only");
	r = look(a, "x/audio/boom.wav");
	ok(r.chunker == VLT_CHUNKER_ASSET, "an anchored pattern stays anchored");
	r = look(a, "notes.txt");
	ok(!r.has_chunker && !r.has_compress && r.delta == -1,
	   "no match: everything unspecified");

	ok(add(a, "audio", "*.wav chunker=fastcdc compress=zlib\n",
	       "audio/.vaultattributes") == 0, "a nested file");
	r = look(a, "audio/boom.wav");
	ok(r.chunker == VLT_CHUNKER_FASTCDC && r.codec == VLT_CODEC_ZLIB,
	   "the deeper file wins");
	r = look(a, "music/boom.wav");
	ok(r.chunker == VLT_CHUNKER_ASSET, "and applies only below its folder");

	ok(add(a, "", "*.png compress=none\n*.psd compres=none\n",
	       "x/.vaultattributes") == VLT_E_INVALID &&
	   strstr(vlt_error_last(), "x/.vaultattributes:2:") &&
	   strstr(vlt_error_last(), "compres"),
	   "an unknown attribute names file:line");
	ok(add(a, "", "*.png chunker=cdc\n", "y") == VLT_E_INVALID &&
	   strstr(vlt_error_last(), "y:1: chunker is fixed, fastcdc or asset"),
	   "a bad chunker value");
	ok(add(a, "", "*.png delta=maybe\n", "y") == VLT_E_INVALID,
	   "a bad delta value");
	ok(add(a, "", "!*.png compress=none\n", "y") == VLT_E_INVALID &&
	   strstr(vlt_error_last(), "negative patterns"),
	   "a negated pattern");
	ok(add(a, "", "*.png chunker\n", "y") == VLT_E_INVALID,
	   "chunker without a value");
	r = look(a, "hero.png");
	ok(r.codec == VLT_CODEC_NONE && !r.has_chunker,
	   "nothing of a rejected file was added");
	vlt_attrs_free(a);

	game = vlt_attrs_defaults_text("game");
	ok(game && !vlt_attrs_defaults_text("bogus"), "the game defaults exist");
	vlt_attrs_new(&a);
	ok(add(a, "", game, "<defaults: game>") == 0, "and parse");
	r = look(a, "Textures/hero.ktx2");
	ok(r.codec == VLT_CODEC_NONE && r.has_compress &&
	   r.chunker == VLT_CHUNKER_ASSET, "game: *.ktx2 stored as is, cut "
	   "by the asset chunker");
	r = look(a, "Builds/linux/game.x86_64");
	ok(r.delta == 1 && !r.has_chunker, "game: Builds/** delta=on");
	r = look(a, "Audio/theme.ogg");
	ok(r.codec == VLT_CODEC_NONE && !r.has_chunker, "game: *.ogg compress=none");
	vlt_attrs_free(a);
	vlt_attrs_free(NULL);
	return tap_done();
}
