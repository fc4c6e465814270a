#!/bin/bash
#
# make-corpus.sh - a deterministic synthetic art/game project for bench/.
#
# Builds a folder that looks, byte for byte, like an artist's or game
# developer's project: by bytes about 55 % already-compressed data (random
# bytes standing for PNG/JPG/OGG/MP4), 25 % raw but compressible binaries
# (uncompressed textures, WAV, PSD, glTF buffers: noise of low entropy,
# sparse areas, repeated tiles), 10 % text (C#/C++/HLSL sources, JSON,
# Markdown, OBJ and glTF models), thousands of small files (Unity-style
# .meta files, project settings, scripts), a few large files (about 26 %
# of the bytes in four files), exact duplicates (3 %) and near-duplicates
# (4 %: the same asset saved again with a region repainted and a few bytes
# inserted), so that dedup and content-defined chunking matter.
#
# Randomness: every decision comes from a small LCG in bash arithmetic
# seeded by SEED, and every byte from an AES-128-CTR keystream (openssl
# enc) whose key is (SEED, purpose, file number, part), so the corpus is
# byte-identical on every machine with the same coreutils. Nothing reads
# /dev/urandom. Files get a fixed mtime. Generation is planned first
# (one line per file) and then run by JOBS workers, so it is equally
# deterministic whatever JOBS is.
#
# --change applies "1 % of the files changed" to an existing corpus,
# deterministically for a given SEED and ROUND: parts of ~1 % of the files
# are rewritten (a few are appended to instead), a few files are added and
# a few deleted. It never writes into an existing file in place (it writes
# a copy and renames it over the original), so it is safe on a tree made
# with `cp -al` from a cached corpus. It prints one summary line.
#
# --many-files makes COUNT (100000) files of 100 bytes of base64 text in
# COUNT/100 directories, for the "re-snapshot an unchanged tree" target.
#
# usage: bench/make-corpus.sh [--seed N] [--jobs N] DIR [SIZE_MB]
#        bench/make-corpus.sh --change [--seed N] [--round N] DIR
#        bench/make-corpus.sh --many-files [--seed N] DIR [COUNT]
# SIZE_MB is in MiB (default 1100). DIR must not exist; it is built as
# DIR.partial-PID and renamed into place when complete.

set -euo pipefail

usage() {
	cat >&2 <<-EOF
	usage: bench/make-corpus.sh [--seed N] [--jobs N] DIR [SIZE_MB]
	   or: bench/make-corpus.sh --change [--seed N] [--round N] DIR
	   or: bench/make-corpus.sh --many-files [--seed N] DIR [COUNT]
	EOF
	exit 129
}
die() {
	echo "fatal: $*" >&2
	exit 128
}

mode=build
SEED=1
ROUND=1
JOBS=$(nproc 2>/dev/null || echo 2)
[ "$JOBS" -gt 4 ] && JOBS=4
while [ $# -gt 0 ]; do
	case $1 in
	--change) mode=change ;;
	--many-files) mode=many ;;
	--seed) SEED=${2:?}; shift ;;
	--seed=*) SEED=${1#*=} ;;
	--round) ROUND=${2:?}; shift ;;
	--round=*) ROUND=${1#*=} ;;
	--jobs) JOBS=${2:?}; shift ;;
	--jobs=*) JOBS=${1#*=} ;;
	-h|--help) usage ;;
	--) shift; break ;;
	-*) echo "error: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
	shift
done
[ $# -ge 1 ] && [ $# -le 2 ] || usage
DIR=$1
ARG2=${2:-}
for n in "$SEED" "$ROUND" "$JOBS" ${ARG2:+"$ARG2"}; do
	case $n in ''|*[!0-9]*) die "not a number: '$n'" ;; esac
done
for tool in openssl head tail tr shuf split base64 fold sed dd find sort; do
	command -v $tool >/dev/null 2>&1 || die "$tool is needed"
done
export LC_ALL=C

MTIME=@1700000000	# fixed mtime of every generated file

# --- deterministic numbers (no forks) ------------------------------------

rng=1
# rng_seed STRING: set the generator state from a string (djb2).
rng_seed() {
	local s=$1 i c h=5381
	for ((i = 0; i < ${#s}; i++)); do
		printf -v c '%d' "'${s:i:1}"
		h=$(( (h * 33 + c) % 2147483648 ))
	done
	rng=$h
}
# rnd N: R = a number in 0..N-1 (46 bits from two LCG steps, N > 0).
rnd() {
	local a
	rng=$(( (rng * 1103515245 + 12345) % 2147483648 ))
	a=$(( rng >> 8 ))
	rng=$(( (rng * 1103515245 + 12345) % 2147483648 ))
	R=$(( ((a << 23) | (rng >> 8)) % $1 ))
}
# lsize MIN MAX: R = a size spread evenly over the octaves MIN..MAX.
lsize() {
	local lo=$1 hi=$2 oct=0 base
	while [ $(( lo << (oct + 1) )) -le "$hi" ]; do oct=$((oct + 1)); done
	[ "$oct" -gt 0 ] || { R=$lo; return; }
	rnd "$oct"
	base=$(( lo << R ))
	rnd "$base"
	R=$(( base + R ))
	[ "$R" -le "$hi" ] || R=$hi
}
# pick ARRAY-NAME: P = a random element.
pick() {
	local -n arr=$1
	rnd ${#arr[@]}
	P=${arr[R]}
}

# --- deterministic bytes --------------------------------------------------

# key PURPOSE N PART: K = the AES key of one stream. Distinct (seed,
# purpose, n, part) give independent streams; no hashing needed.
key() {
	printf -v K '%08x%08x%08x%08x' "$SEED" "$1" "$2" "$3"
}
# ks KEY: an endless keystream on stdout. Callers cut it with head inside
# a subshell running with `set +o pipefail`: openssl then dies of SIGPIPE,
# which is the expected way for it to end.
ks() {
	openssl enc -aes-128-ctr -nosalt -bufsize 1048576 -K "$1" \
		-iv 00000000000000000000000000000000 -in /dev/zero 2>/dev/null
}
# bytes KEY N: N keystream bytes.
bytes() {
	( set +o pipefail; ks "$1" | head -c "$2" )
}
# textbytes KEY N: N bytes of base64 lines.
textbytes() {
	( set +o pipefail; ks "$1" | base64 -w 76 | head -c "$2" )
}

# tr tables for raw data: 16 values (like a quantised gradient or 16-bit
# audio's high bytes) and mostly-zero (alpha masks, silence, padding).
MAP16=
MAPSPARSE=
for ((i = 0; i < 256; i++)); do
	printf -v c '\\%03o' $(( 0x80 + (i & 15) ))
	MAP16+=$c
	if [ $i -lt 240 ]; then c='\000'; else printf -v c '\\%03o' $i; fi
	MAPSPARSE+=$c
done

# raw N SIZE: uncompressed-asset-like bytes: segments of 64 KiB..4 MiB of
# 16-level noise, sparse data, plain noise or a repeated ~3 KB tile.
# About 1.6x with lz4, 2x with zstd; unique to N (nothing dedups).
raw() {
	local n=$1 left=$2 part=0 seg tile
	rng_seed "raw:$SEED:$n"
	(
	set +o pipefail
	while [ "$left" -gt 0 ]; do
		lsize 65536 4194304; seg=$R
		[ "$seg" -le "$left" ] || seg=$left
		key 2 "$n" "$part"
		rnd 20
		if [ "$R" -lt 7 ]; then
			ks "$K" | tr '\000-\377' "$MAP16" | head -c "$seg"
		elif [ "$R" -lt 12 ]; then
			ks "$K" | tr '\000-\377' "$MAPSPARSE" | head -c "$seg"
		elif [ "$R" -lt 17 ]; then
			ks "$K" | head -c "$seg"
		else
			tile=$(ks "$K" | head -c 3000 | tr -d '\000\n')
			yes -- "$tile" | head -c "$seg"
		fi
		left=$((left - seg))
		part=$((part + 1))
	done
	)
}

# --- text -----------------------------------------------------------------

SYL=(ka ro mi tan vel or ix qua zen dor bel ar um lo ste fi gra nox pe li
	sor ta ve mon cri hal ba ne dra so)
TYPES=(float int bool string Vector3 Vector2 Quaternion Transform
	GameObject Texture2D AudioClip Material Mesh Color uint double)
METHODS=(Update Init Load Save Apply Compute Resolve Spawn Destroy Bind
	Reset Tick Render Sample Blend Query Find Register Emit Clamp)
WORDS=(the a player enemy level texture sound mesh should must when if
	not cache load save frame the of to and in for with is we this that
	fix later temp hack note slow fast memory asset bundle build shader)

# ident: P = an identifier made of 2-3 syllables.
ident() {
	rnd ${#SYL[@]}; P=${SYL[R]}
	rnd ${#SYL[@]}; P+=${SYL[R]}
	rnd 3; [ "$R" -ne 0 ] || { rnd ${#SYL[@]}; P+=${SYL[R]^}; }
}
# words N: P = N words.
words() {
	local w='' i
	for ((i = 0; i < $1; i++)); do rnd ${#WORDS[@]}; w+=" ${WORDS[R]}"; done
	P=${w# }
}
num() {
	rnd 1000; local a=$R; rnd 100; P="$a.$R"
}

# dict_line LANG: L = one line of source-like text.
dict_line() {
	local a b t m v ind
	ident; a=$P; ident; b=$P; pick TYPES; t=$P; pick METHODS; m=$P
	num; v=$P
	rnd 4; ind=$(( R * 4 )); printf -v ind '%*s' "$ind" ''
	rnd 10
	case $1:$R in
	cs:0|cpp:0|hlsl:0) words 6; L="$ind// $P" ;;
	cs:1) L="${ind}public $t $a = ${v}f;" ;;
	cs:2) L="${ind}private readonly List<$t> _$a = new List<$t>();" ;;
	cs:3) L="${ind}if ($a != null && $a.Count > ${v%.*}) {" ;;
	cs:4) L="$ind    $a.$m($b, ${v}f);" ;;
	cs:5) L="$ind}" ;;
	cs:6) L="$ind[SerializeField] private $t $a;" ;;
	cs:7) L="${ind}public void $m${a^}($t $b) {" ;;
	cs:*) L="${ind}return $a * ${v}f + $b;" ;;
	cpp:1) L="${ind}static $t ${a}_$b(const $t& $a, size_t n);" ;;
	cpp:2) L="${ind}for (size_t i = 0; i < $a.size(); ++i) {" ;;
	cpp:3) L="$ind    ${a}[i] = ${b}->$m(i, $v);" ;;
	cpp:4) L="$ind}" ;;
	cpp:5) L="#include \"$a/$b.h\"" ;;
	cpp:6) L="${ind}if (!$a) return VLT_E_${b^^};" ;;
	cpp:*) L="${ind}auto $a = std::make_unique<${t^}>($b, $v);" ;;
	hlsl:1) L="${ind}float4 $a = tex2D(_${b^}Tex, i.uv * $v);" ;;
	hlsl:2) L="${ind}$a.rgb = lerp($a.rgb, _${b^}Color.rgb, saturate($v * $b));" ;;
	hlsl:3) L="${ind}float3 $a = normalize(mul(unity_ObjectToWorld, v.${b}).xyz);" ;;
	hlsl:*) L="${ind}half $a = dot($b, float3($v, 0.$R, 1.0));" ;;
	json:[0-5]) L="$ind\"$a\": $v," ;;
	json:*) L="$ind\"$a\": \"$b/${m,}_$R\"," ;;
	md:0) words 3; L="## ${P^}" ;;
	md:1) L="" ;;
	md:*) rnd 14; words $((R + 6)); L="${P^}." ;;
	esac
}

# write_dicts DIR: a 4096-line dictionary per language, one line a row.
write_dicts() {
	local lang i out
	for lang in cs cpp hlsl json md; do
		rng_seed "dict:$SEED:$lang"
		out=
		for ((i = 0; i < 4096; i++)); do
			dict_line $lang
			out+=$L$'\n'
		done
		printf '%s' "$out" > "$1/dict.$lang"
	done
}

# text LANG N SIZE: a source file drawn from the dictionary by shuf.
text() {
	local lang=$1 n=$2 size=$3
	key 3 "$n" 0
	(
	set +o pipefail
	printf '// generated %s %d\n' "$lang" "$n"
	shuf -r -n $(( size / 20 + 16 )) --random-source=<(ks "$K") \
		"$TMP/dict.$lang"
	) | head -c "$size"
}

# smalltext LANG N SIZE: a small file built in bash (no forks).
smalltext() {
	local size=$3 out=''
	local -n arr=DICT_$1
	rng_seed "small:$SEED:$2"
	while [ ${#out} -lt "$size" ]; do
		rnd ${#arr[@]}
		out+=${arr[R]}$'\n'
	done
	printf '%s' "${out:0:$size}"
}

# obj N SIZE: a Wavefront OBJ: vertices, normals, uvs, faces.
obj() {
	local n=$1 size=$2
	key 4 "$n" 0
	(
	set +o pipefail
	printf '# Blender 3.6.2\nmtllib mesh_%d.mtl\no Mesh_%d\n' "$n" "$n"
	ks "$K" | base64 -w 0 |
		tr 'A-Za-z0-9+/' '0123456789012345678901234567890123456789012345678901234567890123' |
		fold -w 24 |
		sed -e '0~7{s/^\(.\{4\}\)\(.\{4\}\)\(.\{4\}\)\(.\{4\}\)\(.\{4\}\)\(.\{4\}\).*/f \1\/\2\/\2 \3\/\4\/\4 \5\/\6\/\6/;b
}' \
		    -e '0~5{s/^\(.\)\(.\{6\}\)\(.\)\(.\{6\}\).*/vt 0.\2 0.\4/;b
}' \
		    -e '0~3{s/^\(.\)\(.\{6\}\)\(.\)\(.\{6\}\)\(.\)\(.\{6\}\).*/vn -0.\2 0.\4 -0.\6/;b
}' \
		    -e 's/^\(.\)\(.\{6\}\)\(.\)\(.\{6\}\)\(.\)\(.\{6\}\).*/v \1.\2 -\3.\4 \5.\6/'
	) | head -c "$size"
}

# meta KIND N: a Unity-style .meta file.
meta() {
	local kind=$1 guid a b c d
	rng_seed "meta:$SEED:$2"
	rnd 2147483648; a=$R; rnd 2147483648; b=$R
	rnd 2147483648; c=$R; rnd 2147483648; d=$R
	printf -v guid '%08x%08x%08x%08x' $a $b $c $d
	printf 'fileFormatVersion: 2\nguid: %s\n' "$guid"
	case $kind in
	tex)
		rnd 4; a=$((2048 >> R)); rnd 2; b=$R; rnd 3; c=$R
		printf '%s\n' "TextureImporter:" "  internalIDToNameTable: []" \
			"  externalObjects: {}" "  serializedVersion: 12" "  mipmaps:" \
			"    mipMapMode: 0" "    enableMipMap: $b" "    sRGBTexture: 1" \
			"    linearTexture: 0" "    fadeOut: 0" "    borderMipMap: 0" \
			"    mipMapsPreserveCoverage: 0" "    alphaTestReferenceValue: 0.5" \
			"    mipMapFadeDistanceStart: 1" "    mipMapFadeDistanceEnd: 3" \
			"  bumpmap:" "    convertToNormalMap: 0" "    externalNormalMap: 0" \
			"    heightScale: 0.25" "    normalMapFilter: 0" \
			"  isReadable: 0" "  streamingMipmaps: $b" \
			"  streamingMipmapsPriority: 0" "  grayScaleToAlpha: 0" \
			"  generateCubemap: 6" "  cubemapConvolution: 0" \
			"  seamlessCubemap: 0" "  textureFormat: 1" \
			"  maxTextureSize: $a" "  textureSettings:" \
			"    serializedVersion: 2" "    filterMode: $c" "    aniso: 1" \
			"    mipBias: 0" "    wrapU: 0" "    wrapV: 0" "    wrapW: 0" \
			"  nPOTScale: 1" "  lightmap: 0" "  compressionQuality: 50" \
			"  spriteMode: 0" "  spriteExtrude: 1" "  spriteMeshType: 1" \
			"  alignment: 0" "  spritePivot: {x: 0.5, y: 0.5}" \
			"  spritePixelsToUnits: 100" \
			"  spriteBorder: {x: 0, y: 0, z: 0, w: 0}" \
			"  alphaUsage: 1" "  alphaIsTransparency: 0" \
			"  textureType: 0" "  textureShape: 1" \
			"  platformSettings:" "  - serializedVersion: 3" \
			"    buildTarget: DefaultTexturePlatform" \
			"    maxTextureSize: $a" "    resizeAlgorithm: 0" \
			"    textureFormat: -1" "    textureCompression: 1" \
			"    compressionQuality: 50" "    crunchedCompression: 0" \
			"  userData: " "  assetBundleName: " "  assetBundleVariant: "
		;;
	audio)
		rnd 3; a=$R; rnd 2; b=$R
		printf '%s\n' "AudioImporter:" "  externalObjects: {}" \
			"  serializedVersion: 6" "  defaultSettings:" \
			"    loadType: $a" "    sampleRateSetting: 0" \
			"    sampleRateOverride: 44100" "    compressionFormat: 1" \
			"    quality: 1" "    conversionMode: 0" \
			"  platformSettingOverrides: {}" "  forceToMono: $b" \
			"  normalize: 1" "  preloadAudioData: 1" "  loadInBackground: 0" \
			"  ambisonic: 0" "  3D: 1" "  userData: " \
			"  assetBundleName: " "  assetBundleVariant: "
		;;
	model)
		rnd 100; a=$R
		printf '%s\n' "ModelImporter:" "  serializedVersion: 21300" \
			"  internalIDToNameTable: []" "  externalObjects: {}" \
			"  materials:" "    materialImportMode: 2" \
			"    materialName: 0" "    materialSearch: 1" \
			"    materialLocation: 1" "  animations:" \
			"    legacyGenerateAnimations: 4" "    bakeSimulation: 0" \
			"    resampleCurves: 1" "    optimizeGameObjects: 0" \
			"    animationCompression: 1" \
			"    animationRotationError: 0.5" \
			"    animationPositionError: 0.5" \
			"    animationScaleError: 0.5" "    animationWrapMode: 0" \
			"  meshes:" "    lODScreenPercentage: []" \
			"    globalScale: $a" "    meshCompression: 0" \
			"    addColliders: 0" "    importVisibility: 1" \
			"    importBlendShapes: 1" "    importCameras: 1" \
			"    importLights: 1" "    swapUVChannels: 0" \
			"    generateSecondaryUV: 0" "    useFileUnits: 1" \
			"    keepQuads: 0" "    weldVertices: 1" \
			"  tangentSpace:" "    normalSmoothAngle: 60" \
			"    normalImportMode: 0" "    tangentImportMode: 3" \
			"  importAnimation: 1" "  humanoidOversampling: 1" \
			"  avatarSetup: 0" "  additionalBone: 0" \
			"  userData: " "  assetBundleName: " "  assetBundleVariant: "
		;;
	script)
		printf '%s\n' "MonoImporter:" "  externalObjects: {}" \
			"  serializedVersion: 2" "  defaultReferences: []" \
			"  executionOrder: 0" "  icon: {instanceID: 0}" \
			"  userData: " "  assetBundleName: " "  assetBundleVariant: "
		;;
	*)
		printf '%s\n' "DefaultImporter:" "  externalObjects: {}" \
			"  userData: " "  assetBundleName: " "  assetBundleVariant: "
		;;
	esac
}

# --- the plan ---------------------------------------------------------------
#
# One line per file: KIND SIZE N PATH [ARG]. N numbers the file (and its
# streams); ARG is the language of text files, the meta kind of .meta
# files, and the source of copies.

CHARS=(Hero Knight Goblin Dragon Merchant Wizard Robot Slime Archer Golem
	Pirate Witch Skeleton Wolf Bandit Queen)
BIOMES=(Forest Desert Tundra Swamp Castle Dungeon Village Cave Ruins
	Harbor Volcano Temple)
PROPS=(Barrel Crate Torch Chest Door Bridge Rock Tree Fence Statue Banner
	Cart Lantern Well Throne Anvil Pillar Ship)
MAPS=(albedo normal roughness metallic ao emissive mask height)
SFX=(footstep_grass footstep_stone hit_sword hit_arrow door_open door_close
	coin ui_click ui_hover explosion jump land swing splash fire_loop wind)
MODULES=(Gameplay AI UI Audio Rendering Networking Save Input Physics
	Editor Tools Quest Inventory Dialogue Combat Camera)

n=0
planned=0
# add KIND SIZE PATH [ARG]: append a plan line; files under Assets/ get
# a .meta sibling.
add() {
	n=$((n + 1))
	echo "$1 $2 $n $3 ${4:-}" >> "$PLAN"
	planned=$((planned + $2))
	case $1 in rand|raw) BIG+=("$2 $3") ;; esac
	case $3 in
	Assets/*)
		local mk=default
		case $3 in
		*.png|*.jpg|*.tga|*.exr|*.dds|*.psd) mk=tex ;;
		*.ogg|*.wav) mk=audio ;;
		*.obj|*.gltf|*.fbx) mk=model ;;
		*.cs|*.hlsl|*.shader) mk=script ;;
		esac
		n=$((n + 1))
		echo "meta 0 $n $3.meta $mk" >> "$PLAN"
		;;
	esac
}

plan() {
	local total=$1 budget end i c b p ext len
	BIG=()
	rng_seed "plan:$SEED"
	# Four large files, 26 % of the bytes.
	add rand $(( total * 8 / 100 )) Assets/Cinematics/Intro_Cinematic_4K.mp4
	add raw $(( total * 7 / 100 )) ArtSource/Environment/WorldMap_16k.psd
	add rand $(( total * 5 / 100 )) Assets/Cinematics/Credits_Roll.mp4
	add raw $(( total * 6 / 100 )) Audio/Masters/Soundtrack_Master_48k.wav
	BIG=()		# not candidates for copies

	# Raw assets, 12 %.
	end=$(( planned + total * 12 / 100 ))
	i=0
	while [ $planned -lt $end ]; do
		i=$((i + 1)); rnd 5
		case $R in
		0) pick CHARS; c=$P; pick MAPS
		   p=Assets/Art/Characters/$c/Textures/T_${c}_${i}_$P.tga ;;
		1) pick BIOMES; p=Assets/Art/Environment/$P/Lightmaps/Lightmap-${i}_comp_light.exr ;;
		2) pick SFX; p=Audio/Raw/${P}_${i}_take$((i % 5 + 1)).wav ;;
		3) pick CHARS; p=ArtSource/Characters/$P/${P}_sculpt_${i}.psd ;;
		*) pick PROPS; p=Assets/Art/Props/$P/T_${P}_${i}_packed.dds ;;
		esac
		lsize 262144 16777216
		add raw $R "$p"
	done

	# Text: sources, models and docs, 11 % (with the glTF buffers).
	end=$(( planned + total * 11 / 100 ))
	i=0
	while [ $planned -lt $end ]; do
		i=$((i + 1)); rnd 20
		case $R in
		0)	pick PROPS
			lsize 131072 4194304
			add obj $R Assets/Models/$P/${P}_$i.obj
			lsize 1024 4096
			add text $R Assets/Models/$P/${P}_$i.gltf json
			lsize 65536 2097152
			add raw $R Assets/Models/$P/${P}_$i.bin
			continue ;;
		1|2|3)	pick BIOMES; b=$P; pick MODULES
			p=Assets/Shaders/$P/${b}_$i.hlsl; len=hlsl ;;
		4|5|6)	pick MODULES
			p=Source/Engine/$P/${P,,}_$i.cpp; len=cpp ;;
		7)	pick MODULES
			p=Source/Engine/$P/${P,,}_$i.h; len=cpp ;;
		8)	pick MODULES; p=Docs/$P/notes_$i.md; len=md ;;
		9)	pick BIOMES; p=Assets/Data/Levels/$P/level_$i.json; len=json ;;
		*)	pick MODULES; b=$P; pick METHODS
			p=Assets/Scripts/$b/$P${b}_$i.cs; len=cs ;;
		esac
		lsize 2048 131072
		add text $R "$p" $len
	done

	# Small files: project settings, tool scripts, configs, tiny scripts.
	c=$(( total / 1048576 * 6 / 5 ))
	[ $c -ge 400 ] || c=400
	for ((i = 1; i <= c; i++)); do
		rnd 6
		case $R in
		0) pick MODULES; p=ProjectSettings/${P}Settings_$i.asset; len=json ;;
		1) pick MODULES; p=Tools/${P,,}/run_$i.sh; len=md ;;
		2) pick BIOMES; p=Config/$P/config_$i.json; len=json ;;
		*) pick MODULES; b=$P; pick METHODS
		   p=Assets/Scripts/$b/Small/$P${b}Helper_$i.cs; len=cs ;;
		esac
		lsize 256 8192
		add small $R "$p" $len
	done

	# Compressed assets, the rest but 7 %: icons, textures, audio, video.
	end=$(( total * 93 / 100 ))
	i=0
	while [ $planned -lt $end ]; do
		i=$((i + 1)); rnd 20
		case $R in
		[0-5])	pick PROPS; lsize 2048 65536
			add rand $R Assets/Art/UI/Icons/icon_${P,,}_$i.png
			continue ;;
		[6-9])	pick CHARS; c=$P; pick MAPS
			p=Assets/Art/Characters/$c/Textures/T_${c}_${i}_$P.png ;;
		1[0-2])	pick BIOMES; b=$P; pick PROPS
			p=Assets/Art/Environment/$b/Textures/T_${P}_${i}.png ;;
		13)	pick BIOMES; p=ArtSource/Concept/$P/concept_${i}.jpg ;;
		14|15)	pick SFX; lsize 16384 2097152
			add rand $R Assets/Audio/SFX/${P}_$i.ogg
			continue ;;
		16)	pick BIOMES; p=Assets/Audio/Music/${P}_theme_$i.ogg ;;
		17)	pick CHARS; p=Assets/Video/Cutscenes/${P}_intro_$i.mp4 ;;
		*)	pick BIOMES; p=Assets/Art/Skyboxes/$P/sky_${i}.jpg ;;
		esac
		lsize 65536 8388608
		add rand $R "$p"
	done

	# Exact copies (3 %) and near-duplicates (4 %) of the medium assets.
	local -a cand=("${BIG[@]}")
	end=$(( planned + total * 3 / 100 ))
	i=0
	while [ $planned -lt $end ] && [ ${#cand[@]} -gt 0 ]; do
		i=$((i + 1))
		rnd ${#cand[@]}
		set -- ${cand[R]}
		[ "$1" -ge 131072 ] || continue
		p=${2##*/}
		rnd 2
		if [ $R -eq 0 ]; then
			add copy "$1" Build/StreamingAssets/copy_$i/$p "$2"
		else
			add copy "$1" Backup/old_export_$i/$p "$2"
		fi
	done
	end=$(( planned + total * 4 / 100 ))
	i=0
	while [ $planned -lt $end ] && [ ${#cand[@]} -gt 0 ]; do
		i=$((i + 1))
		rnd ${#cand[@]}
		set -- ${cand[R]}
		[ "$1" -ge 131072 ] || continue
		p=${2##*/}
		ext=${p##*.}
		add near $(( $1 + 1024 )) "ArtSource/_versions/v$i/${p%.*}_v2.$ext" "$2"
	done
}

# gen KIND SIZE N PATH ARG: make one planned file.
gen() {
	local f=$DEST/$4
	case $1 in
	rand) key 1 "$3" 0; bytes "$K" "$2" > "$f" ;;
	raw) raw "$3" "$2" > "$f" ;;
	text) text "$5" "$3" "$2" > "$f" ;;
	small) smalltext "$5" "$3" "$2" > "$f" ;;
	obj) obj "$3" "$2" > "$f" ;;
	meta) meta "$5" "$3" > "$f" ;;
	copy) cp "$DEST/$5" "$f" ;;
	near) near "$DEST/$5" "$f" "$3" ;;
	*) die "bad plan line: $*" ;;
	esac
}

# near SRC DST N: SRC saved again: 1 KiB inserted somewhere, 4 KiB
# overwritten somewhere else.
near() {
	local size at
	size=$(stat -c %s "$1")
	rng_seed "near:$SEED:$3"
	rnd "$size"; at=$R
	key 5 "$3" 0
	{ head -c "$at" "$1"; bytes "$K" 1024; tail -c +$((at + 1)) "$1"; } > "$2"
	rnd $((size - 4096)); at=$R
	key 5 "$3" 1
	bytes "$K" 4096 | dd of="$2" bs=4096 seek="$at" oflag=seek_bytes \
		conv=notrunc status=none
}

# worker W: make plan lines W, W+JOBS, W+2*JOBS... of pass 1.
worker() {
	local w=$1 i=0 kind size num path arg
	# Pipelines here end by SIGPIPE (head closing early) on purpose.
	set +o pipefail
	while read -r kind size num path arg; do
		case $kind in copy|near) continue ;; esac
		[ $(( i++ % JOBS )) -eq "$w" ] || continue
		gen "$kind" "$size" "$num" "$path" "$arg"
	done < "$PLAN"
}

# sum_sizes DIR: S = total bytes, F = file count.
sum_sizes() {
	local s
	S=0; F=0
	while read -r s; do S=$((S + s)); F=$((F + 1)); done \
		< <(find "$1" -type f -printf '%s\n')
}

build() {
	local size_mb=${ARG2:-1100} t0=$SECONDS pids=() w st=0
	[ ! -e "$DIR" ] || die "$DIR exists"
	[ "$size_mb" -ge 8 ] || die "SIZE_MB must be at least 8"
	DEST=$DIR.partial-$$
	TMP=$DEST.tmp
	PLAN=$TMP/plan
	trap 'rm -rf "$DEST" "$TMP"' EXIT
	trap 'exit 130' INT TERM
	mkdir -p "$DEST" "$TMP"
	plan $(( size_mb * 1048576 ))
	write_dicts "$TMP"
	for lang in cs cpp hlsl json md; do
		mapfile -t "DICT_$lang" < "$TMP/dict.$lang"
	done
	# All directories at once (one mkdir per file would be thousands of
	# forks).
	while read -r _ _ _ path _; do echo "${path%/*}"; done < "$PLAN" |
		sort -u | (cd "$DEST" && xargs mkdir -p)
	echo "make-corpus: $(wc -l < "$PLAN") files, $((planned / 1048576)) MiB planned, $JOBS jobs, seed $SEED" >&2
	for ((w = 0; w < JOBS; w++)); do
		worker $w &
		pids+=($!)
	done
	for w in "${pids[@]}"; do wait "$w" || st=1; done
	[ $st -eq 0 ] || die "a generator failed"
	# Pass 2: copies, in plan order (serial: they read pass-1 files).
	while read -r kind size num path arg; do
		case $kind in copy|near) gen "$kind" "$size" "$num" "$path" "$arg" ;; esac
	done < "$PLAN"
	find "$DEST" -exec touch -h -d "$MTIME" {} +
	rm -rf "$TMP"
	mv "$DEST" "$DIR"
	trap - EXIT
	sum_sizes "$DIR"
	echo "make-corpus: $DIR: $F files, $S bytes in $((SECONDS - t0)) s" >&2
	echo "files=$F bytes=$S"
}

# --- --change -------------------------------------------------------------

# replace FILE: write FILE's new content (stdin) to a temporary name and
# rename it over FILE (never in place: FILE may be a hard link).
is_text() {
	case $1 in
	*.cs|*.cpp|*.h|*.hlsl|*.json|*.md|*.meta|*.asset|*.sh|*.obj|*.gltf) return 0 ;;
	esac
	return 1
}

change() {
	local -a files
	local -A picked=()
	local count k i f size len at tmp saved changed=0 appended=0 added=0 deleted=0 written=0
	[ -d "$DIR" ] || die "$DIR is not a directory"
	mapfile -t files < <(cd "$DIR" && find . -type f -printf '%P\n' | sort)
	count=${#files[@]}
	[ "$count" -gt 0 ] || die "$DIR has no files"
	k=$(( count / 100 )); [ $k -ge 1 ] || k=1
	rng_seed "change:$SEED:$ROUND"
	i=0
	while [ $i -lt $k ]; do
		rnd "$count"
		[ -z "${picked[$R]:-}" ] || continue
		picked[$R]=1
		f=$DIR/${files[R]}
		tmp=$f.tmp-change-$$
		size=$(stat -c %s "$f")
		key 6 "$ROUND" $i
		cp "$f" "$tmp"
		rnd 4
		if [ $R -eq 0 ]; then
			# append: a new frame, a new section
			lsize 1024 524288; len=$R
			if is_text "$f"; then
				textbytes "$K" "$len" >> "$tmp"
			else
				bytes "$K" "$len" >> "$tmp"
			fi
			appended=$((appended + 1))
		else
			# rewrite a region: a repainted area, an edited function
			lsize 512 262144; len=$R
			[ "$len" -le "$size" ] || len=$size
			rnd $((size - len + 1)); at=$R
			if is_text "$f"; then
				textbytes "$K" "$len"
			else
				bytes "$K" "$len"
			fi | dd of="$tmp" bs=65536 seek="$at" oflag=seek_bytes \
				conv=notrunc status=none
			changed=$((changed + 1))
		fi
		mv "$tmp" "$f"
		written=$((written + len))
		i=$((i + 1))
	done
	# Add a few new assets with their .meta files.
	mkdir -p "$DIR/Assets/Art/New"
	for ((i = 0; i < (k + 4) / 5; i++)); do
		f=$DIR/Assets/Art/New/T_New_r${ROUND}_$i.png
		lsize 65536 2097152; len=$R
		key 8 "$ROUND" $i
		bytes "$K" "$len" > "$f"
		saved=$rng
		meta tex $(( 1000000 + ROUND * 1000 + i )) > "$f.meta"
		rng=$saved
		added=$((added + 2))
		written=$((written + len))
	done
	# Delete a few files that were not changed.
	i=0
	while [ $i -lt $(( (k + 9) / 10 )) ]; do
		rnd "$count"
		[ -z "${picked[$R]:-}" ] || continue
		picked[$R]=1
		rm -f "$DIR/${files[R]}"
		deleted=$((deleted + 1))
		i=$((i + 1))
	done
	echo "changed=$changed appended=$appended added=$added deleted=$deleted bytes_written=$written"
}

# --- --many-files -----------------------------------------------------------

many() {
	local count=${ARG2:-100000} dirs d sub part t0=$SECONDS
	[ ! -e "$DIR" ] || die "$DIR exists"
	[ "$count" -ge 100 ] || die "COUNT must be at least 100"
	dirs=$(( count / 100 ))
	DEST=$DIR.partial-$$
	trap 'rm -rf "$DEST"' EXIT
	trap 'exit 130' INT TERM
	mkdir -p "$DEST/.parts"
	key 7 0 0
	( set +o pipefail; ks "$K" | base64 -w 99 | head -c $(( dirs * 10000 )) ) |
		split -b 10000 -a 6 -d - "$DEST/.parts/p"
	for ((d = 0; d < dirs; d++)); do
		printf -v sub 'd%04d' $d
		mkdir "$DEST/$sub"
		printf -v part 'p%06d' $d
		split -b 100 -a 2 -d "$DEST/.parts/$part" "$DEST/$sub/f"
	done
	rm -rf "$DEST/.parts"
	find "$DEST" -exec touch -h -d "$MTIME" {} +
	mv "$DEST" "$DIR"
	trap - EXIT
	echo "make-corpus: $DIR: $((dirs * 100)) files in $dirs dirs in $((SECONDS - t0)) s" >&2
	echo "files=$((dirs * 100)) bytes=$((dirs * 10000))"
}

case $mode in
build) build ;;
change) [ -z "$ARG2" ] || usage; change ;;
many) many ;;
esac
