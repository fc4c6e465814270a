/*
 * correlate.c - unit tests for personas/game/correlate.c: rates per hour
 * and per build, what counts as a sharp rise, the kinds and scores of
 * suspects (a loaded scene edit outranks a big texture), and the bisect
 * midpoint.
 */
#include <math.h>
#include <string.h>

#include "buf.h"
#include "correlate.h"
#include "tap.h"

static int near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

int main(void)
{
	struct vlt_buf why = VLT_BUF_INIT;
	double w, scene, tex, removed;
	size_t left;

	tap_plan_lazy();
	ok(near(correlate_rate(6, 0.5), 12), "rate per playtest hour");
	ok(near(correlate_rate(4, 0), 4), "per build when not playtested");
	ok(correlate_rose(1, 2, 3, 3), "twice the rate with 3 items rises");
	ok(!correlate_rose(1, 1.9, 5, 3), "less than twice does not");
	ok(!correlate_rose(0, 2, 2, 3), "too few items do not");
	ok(correlate_rose(0, 3, 3, 3), "from none to enough items rises");
	ok(!correlate_rose(0, 0, 0, 1), "nothing to nothing does not");

	is_str(correlate_kind("levels/boss.tscn", &w), "scene/script", "tscn");
	ok(near(w, 3), "weighs 3");
	is_str(correlate_kind("models/Boss.GLB", &w), "model/shader",
	       "glb, any case");
	ok(near(w, 2), "weighs 2");
	is_str(correlate_kind("textures/hero.png", &w), "texture/audio", "png");
	is_str(correlate_kind("README", &w), "other", "no extension");
	is_str(correlate_kind(".hidden", &w), "other", "a dot file");

	scene = correlate_score("levels/boss.tscn", 'M', 100, 114, 2, &why);
	is_str(why.data, "scene/script modified (+14 B), loaded by 2 "
	       "playtests of the bad build", "the reason says why");
	vlt_buf_reset(&why);
	tex = correlate_score("textures/hero.png", 'M', 20000, 60000, 0, &why);
	is_str(why.data, "texture/audio modified (+40000 B)",
	       "no playtest loaded it");
	ok(scene > tex, "a loaded scene edit outranks a big texture edit "
	   "(%.2f > %.2f)", scene, tex);
	ok(near(tex, 1 + log2(1 + 40000.0 / 1024) / 4), "the size term");
	vlt_buf_reset(&why);
	removed = correlate_score("levels/boss.tscn", 'D', 114, 0, 0, &why);
	ok(near(removed, 3 * (1 + log2(1 + 114.0 / 1024) / 4) / 2),
	   "a removed file counts half");
	is_str(why.data, "scene/script removed (-114 B)", "and says so");

	is_int(correlate_bisect(0, 4, &left), 2, "the middle of 0..4");
	is_int(left, 3, "three between");
	is_int(correlate_bisect(2, 3, &left), -1, "none between neighbours");
	is_int(left, 0, "none left");
	is_int(correlate_bisect(0, 2, &left), 1, "the one between");
	vlt_buf_release(&why);
	return tap_done();
}
