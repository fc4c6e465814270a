#!/usr/bin/env bats
# PLY files as real exporters write them: header lines outside the PLY
# grammar (Blender 2.4's "Created by Blender3D 247 ..."), obj_info and
# long comments, elements vault does not use, and a vertex element that
# declares a list it never writes (Blender 2.77). assimp reads them all,
# so vault must too; the checks that exist for hostile files (a body cut
# short, lying counts) still refuse, with a clear message.

load helper
VAULT_TEST_NEEDS=media

# cube_ply OUT HEADER-LINES...: an ASCII PLY cube of side 2 (8 vertices,
# 6 quads = 12 triangles) with the extra header lines after "format".
cube_ply() {
	local out=$1
	shift
	{
		printf 'ply\nformat ascii 1.0\n'
		for l in "$@"; do printf '%s\n' "$l"; done
		printf 'element vertex 8\nproperty float x\nproperty float y\nproperty float z\n'
		printf 'element face 6\nproperty list uchar uint vertex_indices\nend_header\n'
		printf -- '-1 -1 -1\n1 -1 -1\n1 1 -1\n-1 1 -1\n-1 -1 1\n1 -1 1\n1 1 1\n-1 1 1\n'
		printf '4 0 1 2 3\n4 4 7 6 5\n4 0 4 5 1\n4 1 5 6 2\n4 2 6 7 3\n4 4 0 3 7\n'
	} > "$out"
}

local_setup() {
	mkdir proj && cd proj
	vault creative init -q
}

@test "a PLY with Blender 2.4's 'Created by Blender3D' header line is read" {
	cube_ply blender.ply "Created by Blender3D 247 - www.blender.org, source file: "
	run vault creative status
	assert_success
	assert_output --partial "added     blender.ply: model ply, 8 vertices, 12 triangles, 1 object, bounds 2 x 2 x 2"
	refute_output --partial "unknown PLY header line"
}

@test "obj_info, comment variants, a 300-character comment and an unused element are read" {
	long=$(printf 'comment source file: /home/artist/%0280d.blend' 0)
	cube_ply odd.ply "obj_info num_cols 8" "comment" "comment	tab separated" \
		"$long" "element material 0" "property uchar red"
	run vault creative status --json
	assert_success
	assert_output --partial '"vertices": 8'
	assert_output --partial '"triangles": 12'
	refute_output --partial '"not_decoded"'
}

@test "a vertex element declaring a list it never writes is read (no faces: no triangles)" {
	{
		printf 'ply\nformat ascii 1.0\ncomment Created by Blender 2.77 (sub 0) - www.blender.org\n'
		printf 'element vertex 3\nproperty float x\nproperty float y\nproperty float z\n'
		printf 'property list uchar uint vertex_indices\nend_header\n'
		printf '0 0 0\n1 0 0\n0 1 0\n'
	} > points.ply
	run vault creative status
	assert_success
	# assimp reads three points: vault says what that means
	assert_output --regexp "points.ply: model [0-9]+ B \(not decoded: points.ply: no triangles"
	refute_output --partial "bad PLY list length"
}

@test "a PLY cut short or lying about its counts is still refused, clearly" {
	cube_ply full.ply
	head -n -2 full.ply > fewer-lines.ply
	head -c -4 full.ply > cut-list.ply
	sed 's/^element face 6$/element face 99999999999/' full.ply > lying.ply
	run vault creative status
	assert_success
	assert_output --regexp "fewer-lines.ply: model [0-9]+ B \(not decoded: fewer-lines.ply: truncated PLY: element face ends early"
	assert_output --regexp "cut-list.ply: model [0-9]+ B \(not decoded: cut-list.ply: truncated PLY: element face ends early"
	assert_output --regexp "lying.ply: model [0-9]+ B \(not decoded: lying.ply: PLY element face claims 99999999999 items"
	assert_output --partial "full.ply: model ply, 8 vertices, 12 triangles"
}
