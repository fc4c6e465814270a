#!/usr/bin/env bats
# vault's model loader against Debian's assimp-testmodels: every file
# assimp itself loads with triangles must be read by vault (from memory,
# as vault diff --visual and vault creative status load a snapshot's
# file, and by path), or be refused for a reason vault documents
# (Documentation/visual-diff-models.md, "Models from real tools"); none
# may crash or hang. t/helpers/assimp-check asks both, per file, each in
# a child under a time limit.
#
# make check runs a fixed sample of 67 files (each format once, and the
# files an earlier loader refused but for SMD/WusonSMD.smd, on which
# assimp hangs from memory: 30 s of time limits); make check-long runs every file of the
# package (VAULT_ASSIMP_ALL=1, about 100 s on 2 cores). Skips when the
# package is not installed (scripts/install-deps.sh installs it).

load helper
VAULT_TEST_NEEDS=media
MODELS=/usr/share/assimp/models

local_setup() {
	CHECK=$(dirname "$(command -v vault-diff-visual)")/../t/helpers/assimp-check
	[ -x "$CHECK" ] || { echo "t/helpers/assimp-check is not built" >&2; return 1; }
	[ -d "$MODELS" ] || skip "assimp-testmodels is not installed ($MODELS)"
}

# The fixed sample, relative to $MODELS.
sample() {
	cat <<'LIST'
PLY/Wuson.ply
PLY/issue623.ply
PLY/pond.0.ply
PLY/cube.ply
PLY/cube_binary.ply
PLY/points.ply
RAW/WithColor.raw
3D/box.uc
3D/box_a.3d
MDL/MDL (HL1)/man.mdl
X/TestFormatDetection
3DS/testFormatDetection
OpenGEX/empty_camera.ogex
glTF2/BoxWithInfinites-glTF-Binary/BoxWithInfinites.glb
Ogre/TheThing/Mesh.mesh.xml
OBJ/testpoints.obj
glTF2/BoxTextured-glTF/BoxTextured.gltf
M3D/cube_normals.m3d
AC/closedLine.ac
3DS/cube_with_diffuse_texture.3DS
3MF/box.3mf
AC/SphereWithLight.ac
AMF/test1.amf
ASE/CameraRollAnim.ase
ASE/TestFormatDetection
B3D/WusonBlitz.b3d
BLEND/4Cubes4Mats_248.blend
AC/Wuson.acc
COB/dwarf.cob
CSM/ThomasFechten.csm
Collada/AsXML.xml
Collada/COLLADA.dae
Collada/duck.zae
DXF/PinkEggFromLW.dxf
FBX/animation_with_skeleton.fbx
BVH/01_01.bvh
HMP/terrain.hmp
LWO/LWO2/MappingModes/earth_cylindrical_x.lwo
IFC/AC14-FZK-Haus.ifc
IQM/mrfixit.iqm
LWO/LXOB_Modo/CrazyEngine.lxo
LWS/move_x.lws
MD2/faerie.md2
MD5/SimpleCube.md5mesh
MDL/MDL (HL1)/blend_additive.mdl
MDC/spider.mdc
MS3D/jeep1.ms3d
NFF/NFF/ManyEarthsNotJustOne.nff
OBJ/box_mat_with_spaces.obj
OFF/Cube.off
OpenGEX/camera.ogex
Q3D/E-AT-AT.q3o
PLY/cube_uv.ply
Q3D/WusonOrange.q3s
RAW/WithTexture.raw
SIB/heffalump.sib
SMD/triangle.smd
STL/3DSMaxExport.STL
X/BCN_Epileptic.X
X3D/ComputerKeyboard.x3d
XGL/BCN_Epileptic.zgl
XGL/sample_official.xgl
glTF/BoxTextured-glTF-Embedded/BoxTextured.gltf
glTF2/2CylinderEngine-glTF-Binary/2CylinderEngine.glb
3DS/test.png
3DS/textures.txt
ASE/MotionCaptureROM.source.txt
LIST
}

# run_check LISTFILE: assimp-check over the files named in LISTFILE (one
# a line), two at a time, into result.tsv; fails on a REFUSED or CRASH.
run_check() {
	tr '\n' '\0' < "$1" | xargs -0 -n 8 -P 2 "$CHECK" -t 15 > result.tsv || true
	cut -f1 result.tsv | sort | uniq -c
	[ "$(wc -l < result.tsv)" -eq "$(wc -l < "$1")" ]
	! grep -E '^(REFUSED|CRASH)	' result.tsv
}

@test "vault reads every model of the sample that assimp reads, and crashes on none" {
	sample | sed "s|^|$MODELS/|" > list
	run run_check list
	echo "$output"
	assert_success
	# the files an earlier loader refused are read now
	for f in PLY/Wuson.ply RAW/WithColor.raw 3D/box.uc "MDL/MDL (HL1)/man.mdl" \
		 X/TestFormatDetection; do
		grep -qF "$MODELS/$f	" result.tsv
		run grep -F "$MODELS/$f	" result.tsv
		assert_output --regexp '^(read|onefile)	'
	done
	# protections kept: the truncated point cloud and the infinite
	# coordinates are refused, cleanly
	run grep -F "$MODELS/PLY/pond.0.ply	" result.tsv
	assert_output --partial "truncated PLY: element vertex ends early"
	run grep -F "BoxWithInfinites.glb	" result.tsv
	assert_output --regexp '^limit	.*non-finite coordinate'
}

@test "vault reads every model of the package that assimp reads (VAULT_ASSIMP_ALL=1)" {
	[ -n "${VAULT_ASSIMP_ALL:-}" ] || skip "the whole package runs in make check-long"
	find "$MODELS" -type f | sort > list
	run run_check list
	echo "$output"
	assert_success
}
