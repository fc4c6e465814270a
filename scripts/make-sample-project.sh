#!/usr/bin/env bash
# make-sample-project.sh DIR [SCALE]: a generated art/game project for demos
# and benchmarks: raw textures (partly compressible), WAV-like audio, OBJ
# models, a binary build, scripts, an empty file, a symlink, an executable
# and a non-ASCII name. SCALE multiplies the file count (default 1: ~40 MB).
# Deterministic for a given SCALE (seeded), so runs are comparable.
set -euo pipefail
dir=$1
scale=${2:-1}
mkdir -p "$dir"/{textures,audio,models,builds,scripts,"docs/Entwürfe"}

# a deterministic byte stream: openssl's AES-CTR keystream from a seed
stream() {  # stream SEED BYTES (the writer's SIGPIPE at the end is normal)
	( set +o pipefail
	  openssl enc -aes-128-ctr -nosalt -pass "pass:$1" -pbkdf2 -iter 1 \
		< /dev/zero 2>/dev/null | head -c "$2" )
}

for i in $(seq -f '%03g' 1 $((10 * scale))); do
	# textures: half noise, half flat colour (compressible)
	{ stream "tex$i" 1048576; stream zero 1048576 | tr -c '\200' '\200'; } \
		> "$dir/textures/tex_$i.raw"
done
for i in $(seq -f '%02g' 1 $((4 * scale))); do
	stream "wav$i" 3000000 > "$dir/audio/take_$i.wav"
done
for i in $(seq 1 $((5 * scale))); do
	{
		echo "# model $i"
		for v in $(seq 1 4000); do echo "v $((v % 97)).$i $((v % 13)).5 $((v % 7)).25"; done
		for f in $(seq 1 2000); do echo "f $f $((f + 1)) $((f + 2))"; done
	} > "$dir/models/model_$i.obj"
done
stream "build" 8000000 > "$dir/builds/game.bin"
printf '#!/bin/sh\necho building\n' > "$dir/scripts/build.sh"
chmod 755 "$dir/scripts/build.sh"
: > "$dir/docs/empty.txt"
echo "Notizen zum Entwurf" > "$dir/docs/Entwürfe/notiz.txt"
ln -sf ../builds/game.bin "$dir/scripts/latest-build"
