#!/usr/bin/env bats
# vault-feedback: feedback per build, imports that are all or nothing,
# correlate's ranking on a designed history and bisect's proposal
# (Documentation/vault-feedback.md, format.md 6.5.1).

load helper

# A game's history of six snapshots:
#   S1 first playable     S2 new music          S3 hero texture in HD
#   S4 boss phase 2 (levels/boss.tscn edited, and a big texture)
#   S5 footsteps          S6 menu polish
# "crash" rises after S4, whose playtests loaded levels/boss.tscn.
local_setup() {
	mkdir game
	cd game
	mkdir -p textures levels audio models
	{ printf '\x89PNG\r\n\x1a\n'; head -c 20000 /dev/urandom; } > textures/hero.png
	{ printf 'RIFF\0\0\0\0WAVE'; head -c 30000 /dev/urandom; } > audio/theme.wav
	{ printf 'glTF\2\0\0\0'; head -c 12000 /dev/urandom; } > models/boss.glb
	printf '[gd_scene format=3]\n[node name="Boss"]\n' > levels/boss.tscn
	printf '[gd_scene format=3]\n' > levels/menu.tscn
	vault game init -q
	S1=$(vault backup -q -m "first playable")
	{ printf 'RIFF\0\0\0\0WAVE'; head -c 31000 /dev/urandom; } > audio/theme.wav
	S2=$(vault backup -q -m "new music")
	{ printf '\x89PNG\r\n\x1a\n'; head -c 50000 /dev/urandom; } > textures/hero.png
	S3=$(vault backup -q -m "hero texture in HD")
	printf '[node name="Phase2"]\nscript = "res://boss2.gd"\n' >> levels/boss.tscn
	{ printf '\x89PNG\r\n\x1a\n'; head -c 90000 /dev/urandom; } > textures/sky.png
	S4=$(vault backup -q -m "boss phase 2")
	{ printf 'RIFF\0\0\0\0WAVE'; head -c 4000 /dev/urandom; } > audio/step.wav
	S5=$(vault backup -q -m "footsteps")
	printf '[node name="Menu"]\n' >> levels/menu.tscn
	S6=$(vault backup -q -m "menu polish")
	printf 'levels/boss.tscn\nmodels/boss.glb\n' > ../boss-run.txt
}

# playtests and feedback for the designed rise: an hour on S1, an hour
# on S4 (boss level loaded), crash 1 on S1 and 6 on S4
designed_feedback() {
	vault playtest record --build "$S1" --duration 1h --loaded ../boss-run.txt >/dev/null
	vault playtest record --build "$S4" --duration 30m --loaded ../boss-run.txt >/dev/null
	vault playtest record --build "$S4" --duration 30m --loaded ../boss-run.txt >/dev/null
	vault feedback add --build "$S1" --tag crash --source steam "crashed in the menu once" >/dev/null
	{
		echo "build,tags,text,source,time"
		for i in 1 2 3 4 5 6; do
			echo "$S4,crash,\"crash in boss fight, try $i\",discord,2025-11-2${i}T10:00:00Z"
		done
		echo "$S4,audio;boss,\"the boss is \"\"too loud\"\"\",steam,"
	} > ../designed.csv
	vault feedback import ../designed.csv >/dev/null
}

@test "feedback add ties an item to the build's snapshot id" {
	run vault feedback add --build HEAD~2 --tag crash --tag boss --source discord "crash when the boss roars"
	assert_success
	assert_output "feedback on ${S4:0:12}: crash;boss"
	run vault feedback list
	assert_output "${S4:0:12}  crash,boss       discord    2025-11-24T16:00:00+00:00  crash when the boss roars"
	run vault feedback list --json
	[ "$(jq -r '.[0].build' <<<"$output")" = "$S4" ]
	[ "$(jq -r '.[0].tags | join(",")' <<<"$output")" = crash,boss ]
}

@test "feedback import reads CSV with quotes, line breaks and several tags" {
	cat > ../fb.csv <<CSV
build,tags,text,source,time
$S2,audio,"music too loud, says ""everyone""",steam,2025-11-20
$S3,crash;ui,"two
lines",,2025-11-21T09:30:00+01:00
CSV
	run vault feedback import ../fb.csv
	assert_success
	assert_output "imported 2 feedback items from ../fb.csv"
	run vault feedback list --json
	[ "$(jq -r '.[0].text' <<<"$output")" = 'music too loud, says "everyone"' ]
	[ "$(jq -r '.[1].text' <<<"$output")" = $'two\nlines' ]
	[ "$(jq -r '.[1].source' <<<"$output")" = null ]
	run vault feedback list --tag ui
	assert_output "${S3:0:12}  crash,ui         -          2025-11-21T09:30:00+01:00  two lines"
	run vault feedback list --build "$S2"
	assert_output --partial "music too loud"
	[ "${#lines[@]}" = 1 ]
}

@test "feedback import reads a JSON array" {
	cat > ../fb.json <<JSON
[{"build": "$S5", "tags": ["audio"], "text": "footsteps too quiet", "source": "steam"},
 {"build": "HEAD", "tag": "ui", "text": "menu is nice", "time": "2025-11-22"}]
JSON
	run vault feedback import ../fb.json
	assert_success
	assert_output "imported 2 feedback items from ../fb.json"
	run vault feedback list --tag ui --json
	[ "$(jq -r '.[0].build' <<<"$output")" = "$S6" ]
}

@test "a malformed CSV imports nothing and names the line" {
	vault feedback add --build HEAD --tag ui "before" >/dev/null
	before=$(vault-record list --kind game.feedback)
	printf 'build,tags,text\n%s,crash,fine\n%s,crash,"never closed\n%s,crash,fine too\n' "$S1" "$S1" "$S1" > ../bad.csv
	run vault feedback import ../bad.csv
	assert_failure 128
	assert_line "error: ../bad.csv: line 3: unterminated quoted field"
	assert_line "fatal: ../bad.csv: 1 bad row: nothing imported"
	[ "$(vault-record list --kind game.feedback)" = "$before" ]
	run vault feedback list
	[ "${#lines[@]}" = 1 ]
}

@test "bad rows are each reported with their line; nothing imported" {
	printf 'build,tags,text\n%s,crash,ok\nno-such,crash,x\n%s,,no tag\n%s,crash,\n' "$S1" "$S1" "$S1" > ../bad.csv
	run vault feedback import ../bad.csv
	assert_failure 128
	assert_line "error: ../bad.csv: line 3: unknown build 'no-such'"
	assert_line "error: ../bad.csv: line 4: no tag"
	assert_line "error: ../bad.csv: line 5: no text"
	assert_line "fatal: ../bad.csv: 3 bad rows: nothing imported"
	printf 'build,tag,words\n' > ../cols.csv
	run vault feedback import ../cols.csv
	assert_failure 128
	assert_output "fatal: ../cols.csv: line 1: unknown column 'words' (columns: build, tags, text, source, time)"
	printf '[{"build": "HEAD", "tags": ["crash"], "text": "x"},\n' > ../broken.json
	run vault feedback import ../broken.json
	assert_failure 128
	assert_output --partial "fatal: ../broken.json: line 2:"
	printf '[{"build": "HEAD", "tags": ["crash"], "text": "x", "time": "yesterday"}]' > ../when.json
	run vault feedback import ../when.json
	assert_failure 128
	assert_line --partial "item 1: bad time 'yesterday'"
	run vault feedback list
	assert_output ""
}

@test "feedback add: unknown build, no tag, bad tag" {
	run vault feedback add --build no-such --tag crash "x"
	assert_failure 128
	assert_output --partial "fatal: unknown build 'no-such'"
	run vault feedback add --build HEAD "x"
	assert_failure 129
	assert_output --partial "add needs at least one --tag"
	run vault feedback add --build HEAD --tag "two words" "x"
	assert_failure 129
	assert_output --partial "bad tag 'two words'"
	run vault feedback list
	assert_output ""
}

@test "correlate ranks the scene the crashing playtests loaded first" {
	designed_feedback
	run vault feedback correlate --tag crash
	assert_success
	assert_line "tag crash"
	assert_line --regexp "^  ${S1:0:12}  .*   1 item     1.00/h \(1.0 h played\)  first playable$"
	assert_line --regexp "^  ${S4:0:12}  .*   6 items    6.00/h \(1.0 h played\)  <- rose  boss phase 2$"
	assert_line "  rose 6.0x from ${S1:0:12} to ${S4:0:12}; suspects:"
	# the first suspect is the loaded scene, though the texture is bigger
	suspect=$(grep -A1 'suspects:' <<<"$output" | tail -1)
	[[ $suspect =~ ^\ +[0-9.]+\ +levels/boss\.tscn\ +\(scene/script\ modified\ \(\+[0-9]+\ B\),\ loaded\ by\ 2\ playtests\ of\ the\ bad\ build\)$ ]]
	run vault feedback correlate --tag crash --json
	[ "$(jq -r '.[0].tag' <<<"$output")" = crash ]
	[ "$(jq -r '.[0].snapshots | length' <<<"$output")" = 2 ]
	[ "$(jq -r '.[0].snapshots[1].id' <<<"$output")" = "$S4" ]
	[ "$(jq -r '.[0].snapshots[1].count' <<<"$output")" = 6 ]
	[ "$(jq -r '.[0].snapshots[1].rate' <<<"$output")" = 6 ]
	[ "$(jq -r '.[0].suspects[0].path' <<<"$output")" = levels/boss.tscn ]
	# every file changed from S1 to S4 is a suspect, ranked by score
	[ "$(jq -r '[.[0].suspects[].path] | sort | join(" ")' <<<"$output")" = "audio/theme.wav levels/boss.tscn textures/hero.png textures/sky.png" ]
	[ "$(jq -r '[.[0].suspects[].score] | . == (sort | reverse)' <<<"$output")" = true ]
}

@test "correlate over every tag; a small rise is not sharp" {
	designed_feedback
	run vault feedback correlate
	assert_success
	assert_line "tag audio"
	assert_line "tag boss"
	assert_line "tag crash"
	# one audio item after none is below --min-count 3
	[ "$(grep -c 'no sharp rise' <<<"$output")" = 2 ]
	run vault feedback correlate --tag audio --min-count 1 --json
	[ "$(jq -r '.[0].rise.bad' <<<"$output")" = "$S4" ]
}

@test "bisect proposes the snapshot halfway between good and bad" {
	designed_feedback
	run vault feedback bisect --tag crash
	assert_success
	assert_line "good ${S1:0:12}  first playable"
	assert_line "bad  ${S4:0:12}  boss phase 2"
	# two lie between (S2, S3): the earlier middle one
	assert_line "playtest next: $S2"
	assert_line --partial "new music"
	assert_line "2 snapshots between good and bad; about 1 more playtest after this one"
	# S3 played and fine: the next proposal is S3..S4, nothing between
	run vault feedback bisect --tag crash --good "$S3" --bad "$S4"
	assert_line "no snapshot left between them: ${S4:0:12} is the first bad build"
	run vault feedback bisect --tag crash --good "$S1" --bad "$S6"
	assert_line "playtest next: $S3"
	assert_line "4 snapshots between good and bad; about 2 more playtests after this one"
}

@test "bisect without a rise says so" {
	vault feedback add --build HEAD --tag ui "fine" >/dev/null
	run vault feedback bisect --tag ui
	assert_failure 1
	assert_output "error: no sharp rise of 'ui' to bisect (give --good and --bad)"
	run vault feedback bisect --tag ui --good HEAD --bad HEAD~1
	assert_failure 128
}

@test "feedback is kept by gc, checked by fsck, left out of export-git" {
	designed_feedback
	vault forget --keep-last 1 -q
	vault gc -q
	run vault fsck
	assert_success
	run vault feedback list
	[ "${#lines[@]}" = 8 ]
	need_feature git
	run vault export-git --to ../g.git --bare -q
	assert_success
	run git -C ../g.git for-each-ref --format='%(refname)'
	refute_output --partial feedback
}
