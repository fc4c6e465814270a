#!/usr/bin/env bats
# vault-chunk --algo asset: cuts at the structure of game assets made by
# t/helpers/mkasset.py, what each cut names (--explain, --json), and the
# chunk ids an edit keeps.

load helper

MKASSET="$VAULT_SRCDIR/t/helpers/mkasset.py"
# small sizes, so a few-hundred-KiB asset has sections on both sides
SIZES="--min 4k --avg 16k --max 64k"

# ids FILE: the chunk ids of FILE, sorted
ids() {
	vault-chunk --algo asset $SIZES "$1" | awk '{print $3}' | sort
}

# new_bytes OLD NEW: the bytes of NEW's chunks that OLD does not have
new_bytes() {
	vault-chunk --algo asset $SIZES "$1" | awk '{print $3}' | sort -u > old.ids
	vault-chunk --algo asset $SIZES "$2" |
		awk 'NR==FNR { seen[$1] = 1; next } !seen[$3] { n += $2 } END { print n + 0 }' old.ids -
}

@test "--help names the asset algorithm and --explain" {
	run vault-chunk --help
	assert_success
	assert_output --partial 'fixed|fastcdc|asset'
	assert_output --partial '--explain'
}

@test "a WAV is cut at its chunks, FastCDC inside the data chunk" {
	python3 "$MKASSET" wav a.wav --seconds 2
	run vault-chunk --algo asset $SIZES --explain a.wav
	assert_success
	assert_line --index 0 --regexp '^0 36 [0-9a-f]{64} riff:header WAVE \+ riff:fmt$'
	assert_line --index 1 --regexp '^36 [0-9]+ [0-9a-f]{64} riff:data$'
	assert_line --index 2 --regexp ' fastcdc in riff:data$'
	run awk 'BEGIN{o=0} { if ($1 != o || $2 > 65536) exit 1; o += $2 } END { print o }' \
		< <(vault-chunk --algo asset $SIZES a.wav)
	assert_success
	assert_output "$(stat -c %s a.wav)"
}

@test "a WAV whose header grew keeps every data chunk" {
	python3 "$MKASSET" wav a.wav --seconds 2
	python3 "$MKASSET" wav b.wav --seconds 2 --list "mastered, take 3"
	ids a.wav > ia
	ids b.wav > ib
	run comm -13 ia ib
	assert_success
	[ "${#lines[@]}" -eq 1 ]      # the header chunk only
	# fixed blocks shift by the LIST chunk's size and lose them all
	vault-chunk --algo fixed --avg 16k a.wav | awk '{print $3}' | sort > fa
	vault-chunk --algo fixed --avg 16k b.wav | awk '{print $3}' | sort > fb
	[ "$(comm -13 fa fb | wc -l)" -gt 10 ]
}

@test "an edited WAV region changes only the chunks around it" {
	python3 "$MKASSET" wav a.wav --seconds 2
	python3 "$MKASSET" wav e.wav --seconds 2 --edit 1
	run new_bytes a.wav e.wav
	assert_success
	[ "$output" -gt 0 ] && [ "$output" -le $((3 * 65536)) ]
}

@test "a PNG is cut at its chunks" {
	python3 "$MKASSET" png a.png --width 128 --height 128 --idat 8192
	run vault-chunk --algo asset $SIZES --explain a.png
	assert_success
	assert_line --index 0 --regexp ' png:signature \+ png:IHDR \+ png:tEXt$'
	assert_line --index 1 --regexp ' png:IDAT$'
	assert_line --regexp ' png:IEND$'
}

@test "a GLB is cut at its JSON and BIN chunks; one mesh changed costs about its bytes" {
	python3 "$MKASSET" glb a.glb --meshes 6
	python3 "$MKASSET" glb b.glb --meshes 6 --change 3
	run vault-chunk --algo asset $SIZES --explain a.glb
	assert_line --index 0 --regexp '^0 [0-9]+ [0-9a-f]{64} glb:header \+ glb:JSON$'
	assert_line --index 1 --regexp ' glb:BIN$'
	run new_bytes a.glb b.glb
	# the chunks over the changed 20 KB, of 580 KB
	[ "$output" -ge 20000 ] && [ "$output" -le $((20000 + 2 * 65536)) ]
}

@test "a PAK with one changed entry: only that entry's chunks are new" {
	python3 "$MKASSET" zip a.pak --entries 6 --size 100000
	python3 "$MKASSET" zip b.pak --entries 6 --size 100000 --change 2
	run vault-chunk --algo asset $SIZES --explain a.pak
	assert_line --index 0 --regexp '^0 [0-9]+ [0-9a-f]{64} zip:entry textures/t00.png$'
	assert_line --regexp ' zip:central directory$'
	vault-chunk --algo asset $SIZES --explain b.pak > b.why
	ids a.pak > ia
	comm -13 ia <(awk '{print $3}' b.why | sort) > new
	[ -s new ]
	# every new chunk lies in entry t02 or is the central directory
	run bash -c "grep -F -f new b.why | grep -v -e 'zip:entry textures/t02.png$' -e 'zip:central directory$'"
	assert_failure
}

@test "a reordered PAK keeps every entry's chunks" {
	python3 "$MKASSET" zip a.pak --entries 6 --size 100000
	python3 "$MKASSET" zip r.pak --entries 6 --size 100000 --reverse
	vault-chunk --algo asset $SIZES --explain r.pak > r.why
	ids a.pak > ia
	ids r.pak > ir
	run comm -13 ia ir
	[ "${#lines[@]}" -eq 1 ]
	run grep -c "${lines[0]}.*zip:central directory" r.why
	assert_output 1
}

@test "a DDS with one retouched mip level: only that level's chunks are new" {
	python3 "$MKASSET" dds a.dds --width 512 --height 512
	python3 "$MKASSET" dds b.dds --width 512 --height 512 --retouch 1
	run vault-chunk --algo asset $SIZES --explain a.dds
	assert_line --index 0 --regexp '^0 128 [0-9a-f]{64} dds:header$'
	assert_line --index 1 --regexp '^128 [0-9]+ [0-9a-f]{64} dds:mip 0$'
	assert_line --regexp '^131200 [0-9]+ [0-9a-f]{64} dds:mip 1$'
	# the new chunks all lie inside level 1 (bytes 131200..163967)
	vault-chunk --algo asset $SIZES a.dds | awk '{print $3}' | sort > ia
	vault-chunk --algo asset $SIZES b.dds > b.cuts
	run awk 'NR == FNR { old[$1] = 1; next }
		!($3 in old) { n++; if ($1 < 131200 || $1 + $2 > 163968) bad++ }
		END { print n + 0, bad + 0 }' ia b.cuts
	assert_output --regexp '^[1-9][0-9]* 0$'
}

@test "a KTX2 is cut at each level, smallest first" {
	python3 "$MKASSET" ktx2 a.ktx2 --width 256 --height 256
	python3 "$MKASSET" ktx2 b.ktx2 --width 256 --height 256 --retouch 2
	run vault-chunk --algo asset $SIZES --explain a.ktx2
	assert_line --index 0 --partial 'ktx2:header + ktx2:level 8'
	assert_line --regexp ' ktx2:level 2$'
	assert_line --regexp ' ktx2:level 0$'
	# level 2 is 64x64 RGBA: 16384 bytes, all its chunks at most
	run new_bytes a.ktx2 b.ktx2
	[ "$output" -gt 0 ] && [ "$output" -le 16384 ]
}

@test "an OBJ is cut at its o lines" {
	python3 "$MKASSET" obj a.obj --objects 4
	python3 "$MKASSET" obj b.obj --objects 4 --change 1
	run vault-chunk --algo asset $SIZES --explain a.obj
	assert_line --regexp ' obj:o Object1$'
	assert_line --regexp ' obj:o Object3$'
	total=$(stat -c %s b.obj)
	run new_bytes a.obj b.obj
	[ "$output" -lt $((total / 3)) ]
}

@test "--json says why each cut was made" {
	python3 "$MKASSET" wav a.wav --seconds 1
	run vault-chunk --algo asset --json a.wav
	assert_success
	assert_output --partial '"why":"riff:data"'
	run vault-chunk --algo fastcdc --json a.wav
	assert_output --partial '"why":"fastcdc"'
}

@test "the format is sniffed from the bytes, not the name" {
	python3 "$MKASSET" zip a.bin --entries 2 --size 1000
	run vault-chunk --algo asset --explain a.bin
	assert_line --index 0 --partial 'zip:entry textures/t00.png'
	head -c 300000 /dev/urandom > noise.wav
	run vault-chunk --algo asset $SIZES --explain noise.wav
	assert_success
	refute_output --partial 'riff'
	run bash -c "vault-chunk --algo asset $SIZES noise.wav | cut -d' ' -f1-3"
	assert_output "$(vault-chunk --algo fastcdc $SIZES noise.wav)"
}

@test "sizes that lie fall back to FastCDC without an error" {
	python3 "$MKASSET" zip a.pak --entries 3 --size 50000
	# entry 0's compressed size says 1.8 GB
	printf '\x00\x00\x00\x70' | dd of=a.pak bs=1 seek=18 conv=notrunc status=none
	run vault-chunk --algo asset $SIZES a.pak
	assert_success
	run awk '{ o += $2 } END { print o }' <<<"$output"
	assert_output "$(stat -c %s a.pak)"
	python3 "$MKASSET" wav w.wav --seconds 1
	printf 'JUNK\xff\xff\xff\xff' >> w.wav
	run vault-chunk --algo asset $SIZES --explain w.wav
	assert_success
	assert_line --index -1 --regexp ' riff:JUNK$'
	# a DDS whose mip count and size are absurd
	python3 "$MKASSET" dds d.dds --width 64 --height 64
	printf '\xff\xff\xff\xff' | dd of=d.dds bs=1 seek=12 conv=notrunc status=none
	run vault-chunk --algo asset $SIZES --explain d.dds
	assert_success
	assert_line --index 1 --partial 'dds:data'
}

@test "same bytes, same cuts" {
	python3 "$MKASSET" dds a.dds
	one=$(vault-chunk --algo asset $SIZES a.dds)
	two=$(vault-chunk --algo asset $SIZES a.dds)
	[ "$one" = "$two" ]
}
