#!/usr/bin/env bats
# vault workspace: application settings captured into their own refs,
# restored (undoably), migrated between version folders, listed and
# diffed, in a fake HOME with realistic settings of every built-in
# profile (Documentation/vault-workspace.md).

load helper

local_setup() {
	export HOME="$BATS_TEST_TMPDIR/home"
	unset XDG_CONFIG_HOME XDG_DATA_HOME APPDATA LOCALAPPDATA \
		BLENDER_USER_RESOURCES BLENDER_USER_CONFIG BLENDER_USER_SCRIPTS \
		VAULT_WORKSPACE_PLATFORM
	mkdir -p "$HOME" proj
	cd proj
	vault init -q
}

# make_blender VERSION: a Blender user folder (~/.config/blender/VERSION)
make_blender() {
	local d="$HOME/.config/blender/$1"
	mkdir -p "$d/config" "$d/scripts/addons/tools" "$d/scripts/startup"
	head -c 40000 /dev/urandom > "$d/config/userpref.blend"
	head -c 90000 /dev/urandom > "$d/config/startup.blend"
	printf '[Recent]\n/home/artist/robot.blend\n' > "$d/config/recent-files.txt"
	printf 'import bpy\nprint("tools %s")\n' "$1" > "$d/scripts/addons/tools/__init__.py"
	printf 'x = 1\n' > "$d/scripts/addons/x.py"
	chmod 600 "$d/config/userpref.blend"
	mkdir -p "$d/extensions/.cache"
	head -c 3000 /dev/urandom > "$d/extensions/.cache/index.json"
	mkdir -p "$HOME/.cache/blender"
	echo thumbs > "$HOME/.cache/blender/thumb.bin"
}

make_krita() {
	mkdir -p "$HOME/.config" "$HOME/.local/share/krita/brushes" \
		"$HOME/.local/share/krita/workspaces" "$HOME/.local/share/krita/cache"
	printf '[General]\nAutoSaveInterval=300\nCanvasSurfaceColor=0,0,0\n[MainWindow]\nState=AAAA\n' \
		> "$HOME/.config/kritarc"
	printf '[Shortcuts]\nclear=Backspace\ntoggle_brush=B\n' > "$HOME/.config/kritashortcutsrc"
	head -c 20000 /dev/urandom > "$HOME/.local/share/krita/brushes/ink.gbr"
	printf '<Workspace name="Paint"/>\n' > "$HOME/.local/share/krita/workspaces/Paint.kws"
	head -c 5000 /dev/urandom > "$HOME/.local/share/krita/cache/thumb.png"
}

# make_gimp VERSION
make_gimp() {
	local d="$HOME/.config/GIMP/$1"
	mkdir -p "$d/tmp" "$d/thumbnails" "$d/brushes"
	printf '(session-info "toplevel"\n    (factory-entry "gimp-single-image-window")\n    (position 0 0)\n    (size 1920 1080))\n' > "$d/sessionrc"
	printf '; GIMP menurc %s\n(gtk_accel_path "<Actions>/file/file-new" "<Primary>n")\n' "$1" > "$d/menurc"
	printf '(theme "Dark")\n' > "$d/gimprc"
	head -c 8000 /dev/urandom > "$d/brushes/pencil.gbr"
	head -c 4000 /dev/urandom > "$d/tmp/gimp-swap.0"
	head -c 4000 /dev/urandom > "$d/thumbnails/a.png"
}

make_inkscape() {
	local d="$HOME/.config/inkscape"
	mkdir -p "$d/keys" "$d/palettes"
	printf '<?xml version="1.0"?>\n<inkscape version="1">\n  <group id="window" />\n  <group id="tools" style="fill:none" />\n</inkscape>\n' > "$d/preferences.xml"
	printf '<keys name="mine"><bind key="z" action="tool-zoom"/></keys>\n' > "$d/keys/default.xml"
	printf 'GIMP Palette\nName: brand\n255 0 0 red\n' > "$d/palettes/brand.gpl"
	echo "error: lxml" > "$d/extension-errors.log"
}

make_godot() {
	local c="${XDG_CONFIG_HOME:-$HOME/.config}/godot" \
	      s="${XDG_DATA_HOME:-$HOME/.local/share}/godot"
	mkdir -p "$c/script_templates/Node" "$c/projects/robot-abc123" \
		"$s/export_templates/4.2.stable" "$s/app_userdata/Robot"
	printf '[gd_resource type="EditorSettings" format=3]\n\n[resource]\ninterface/theme/preset = "Default"\ntext_editor/theme/color_theme = "Default"\n' \
		> "$c/editor_settings-4.tres"
	printf 'extends Node\n' > "$c/script_templates/Node/base.gd"
	printf '[docks]\ndock_split_1=0\n' > "$c/projects/robot-abc123/editor_layout.cfg"
	head -c 200000 /dev/urandom > "$s/export_templates/4.2.stable/linux_release.x86_64"
	echo save > "$s/app_userdata/Robot/save.dat"
}

# make_photoshop_macos YEAR
make_photoshop_macos() {
	local p="$HOME/Library/Application Support/Adobe/Adobe Photoshop $1/Presets" \
	      s="$HOME/Library/Preferences/Adobe Photoshop $1 Settings"
	mkdir -p "$p/Brushes" "$p/Swatches" "$s/CT Font Cache"
	head -c 30000 /dev/urandom > "$p/Brushes/inks.abr"
	head -c 2000 /dev/urandom > "$p/Swatches/brand.aco"
	head -c 6000 /dev/urandom > "$s/Adobe Photoshop $1 Prefs.psp"
	printf 'workspace=Painting\n' > "$s/Workspace Prefs.txt"
	head -c 9000 /dev/urandom > "$s/CT Font Cache/fonts.db"
}

# listing DIR: every path below DIR with type and mode, files with size
# and mtime, links with target: what a restore must bring back exactly.
listing() {
	(cd "$1" && find . -mindepth 1 \( -type f -printf '%P f %m %s %T@\n' \) \
		-o \( -type l -printf '%P l %l\n' \) -o \( -type d -printf '%P d %m\n' \) |
		LC_ALL=C sort)
}

# same_home COPY: HOME holds exactly what COPY holds (bytes too).
same_home() {
	diff -r --no-dereference "$1" "$HOME" && diff <(listing "$1") <(listing "$HOME")
}

# before_name: the before-restore/before-migrate snapshot a restore or
# migrate output names.
before_name() {
	sed -n 's|.*kept as [^/]*/\([^;]*\);.*|\1|p' <<<"$output"
}

# roundtrip APP CHANGED DELETED: capture, change one file and delete
# another, restore (both back, bytes and modes, the rest untouched), then
# undo the restore and get the changed state back exactly.
roundtrip() {
	local app=$1 changed=$2 deleted=$3 before
	cp -a "$HOME" "$BATS_TEST_TMPDIR/orig"
	run vault workspace capture "$app" --name first
	assert_success
	assert_output --partial "captured $app/first:"
	printf 'changed = 1\n' >> "$changed"
	chmod 640 "$changed"
	rm "$deleted"
	echo mine > "$(dirname "$changed")/extra.txt"
	cp -a "$HOME" "$BATS_TEST_TMPDIR/changed"
	run vault workspace restore "$app" first
	assert_success
	cmp "$BATS_TEST_TMPDIR/orig/${changed#"$HOME"/}" "$changed"
	cmp "$BATS_TEST_TMPDIR/orig/${deleted#"$HOME"/}" "$deleted"
	[ "$(stat -c %a "$changed")" = "$(stat -c %a "$BATS_TEST_TMPDIR/orig/${changed#"$HOME"/}")" ]
	# kept without --exact
	[ "$(cat "$(dirname "$changed")/extra.txt")" = mine ]
	mv "$(dirname "$changed")/extra.txt" "$BATS_TEST_TMPDIR/extra.txt"
	same_home "$BATS_TEST_TMPDIR/orig"
	mv "$BATS_TEST_TMPDIR/extra.txt" "$(dirname "$changed")/extra.txt"
	before=$(before_name)
	[[ $before == before-restore-* ]]
	# undo: the changed state exactly, the restored file removed again
	run vault workspace restore "$app" "$before" --exact
	assert_success
	assert_output --partial "remove  "
	same_home "$BATS_TEST_TMPDIR/changed"
}

@test "blender: capture, restore and undo round trip over every version folder" {
	make_blender 4.1
	make_blender 4.2
	roundtrip blender "$HOME/.config/blender/4.2/config/recent-files.txt" \
		"$HOME/.config/blender/4.1/config/userpref.blend"
}

@test "blender: caches are left out, symlinks stored as symlinks and not followed" {
	make_blender 4.2
	local d="$HOME/.config/blender/4.2"
	mkdir -p "$BATS_TEST_TMPDIR/outside"
	echo secret > "$BATS_TEST_TMPDIR/outside/private.txt"
	ln -s "$BATS_TEST_TMPDIR/outside" "$d/scripts/addons/linked"
	ln -s x.py "$d/scripts/addons/alias.py"
	run vault workspace capture blender --name one
	assert_success
	rm -rf "$HOME/.config/blender" "$BATS_TEST_TMPDIR/outside"
	run vault workspace restore blender one
	assert_success
	[ -L "$d/scripts/addons/linked" ]
	[ "$(readlink "$d/scripts/addons/linked")" = "$BATS_TEST_TMPDIR/outside" ]
	[ "$(readlink "$d/scripts/addons/alias.py")" = x.py ]
	[ ! -e "$BATS_TEST_TMPDIR/outside" ]      # the target was not stored
	[ ! -e "$d/extensions/.cache" ]            # cache left out
	[ -f "$d/config/userpref.blend" ]
	# the settings are copies in the repository, not links to them
	[ ! -L "$d/config" ] && [ ! -L "$d/config/userpref.blend" ]
}

@test "blender: --version captures one version folder; BLENDER_USER_RESOURCES replaces them" {
	make_blender 4.1
	make_blender 4.2
	run vault workspace capture blender --version 4.2 --name only42
	assert_success
	assert_line --partial "~/.config/blender/4.2"
	refute_line --partial "~/.config/blender/4.1"
	mkdir -p "$BATS_TEST_TMPDIR/res/config"
	echo portable > "$BATS_TEST_TMPDIR/res/config/userpref.blend"
	export BLENDER_USER_RESOURCES="$BATS_TEST_TMPDIR/res"
	run vault workspace profiles blender
	assert_line --regexp "^    resources +$BATS_TEST_TMPDIR/res\$"
	run vault workspace capture blender --name portable
	assert_success
	assert_line --regexp "^  resources +"
	refute_line --partial "~/.config/blender/4.2"
	echo changed > "$BATS_TEST_TMPDIR/res/config/userpref.blend"
	run vault workspace restore blender portable
	assert_success
	[ "$(cat "$BATS_TEST_TMPDIR/res/config/userpref.blend")" = portable ]
}

@test "krita: round trip of kritarc, shortcuts and resources; the cache is left out" {
	make_krita
	roundtrip krita "$HOME/.config/kritarc" "$HOME/.local/share/krita/brushes/ink.gbr"
	rm -rf "$HOME/.local/share/krita" "$HOME/.config/kritarc"
	run vault workspace restore krita first
	assert_success
	[ -f "$HOME/.local/share/krita/workspaces/Paint.kws" ]
	[ ! -e "$HOME/.local/share/krita/cache" ]
	cmp "$BATS_TEST_TMPDIR/orig/.config/kritarc" "$HOME/.config/kritarc"
}

@test "gimp: 2.10 and 3.0 round trip; tmp and thumbnails are left out" {
	make_gimp 2.10
	make_gimp 3.0
	roundtrip gimp "$HOME/.config/GIMP/3.0/sessionrc" "$HOME/.config/GIMP/2.10/menurc"
	rm -rf "$HOME/.config/GIMP"
	run vault workspace restore gimp first
	assert_success
	cmp "$BATS_TEST_TMPDIR/orig/.config/GIMP/2.10/menurc" "$HOME/.config/GIMP/2.10/menurc"
	cmp "$BATS_TEST_TMPDIR/orig/.config/GIMP/3.0/brushes/pencil.gbr" "$HOME/.config/GIMP/3.0/brushes/pencil.gbr"
	[ ! -e "$HOME/.config/GIMP/2.10/tmp" ]
	[ ! -e "$HOME/.config/GIMP/3.0/thumbnails" ]
}

@test "inkscape: round trip of preferences.xml, keys and palettes" {
	make_inkscape
	roundtrip inkscape "$HOME/.config/inkscape/preferences.xml" "$HOME/.config/inkscape/keys/default.xml"
}

@test "godot: round trip of the editor settings under XDG_CONFIG_HOME; export templates and user data left out" {
	export XDG_CONFIG_HOME="$HOME/xdg-config" XDG_DATA_HOME="$HOME/xdg-data"
	make_godot
	run vault workspace profiles godot
	assert_line --regexp '^    config +~/xdg-config/godot$'
	roundtrip godot "$HOME/xdg-config/godot/editor_settings-4.tres" \
		"$HOME/xdg-config/godot/script_templates/Node/base.gd"
	rm -rf "$HOME/xdg-config/godot" "$HOME/xdg-data/godot"
	run vault workspace restore godot first
	assert_success
	cmp "$BATS_TEST_TMPDIR/orig/xdg-config/godot/editor_settings-4.tres" \
		"$HOME/xdg-config/godot/editor_settings-4.tres"
	[ -f "$HOME/xdg-config/godot/projects/robot-abc123/editor_layout.cfg" ]
	[ ! -e "$HOME/xdg-data/godot/export_templates" ]
	[ ! -e "$HOME/xdg-data/godot/app_userdata" ]
}

@test "photoshop: presets and settings with --platform macos; none on linux, said clearly" {
	make_photoshop_macos 2024
	run vault workspace capture photoshop
	assert_failure 128
	assert_output --partial "keeps no settings on linux"
	run vault workspace profiles photoshop
	assert_output --partial "none: Photoshop does not run on linux"
	run vault workspace profiles photoshop --platform macos
	assert_line --regexp '^    presets-2024 +~/Library/Application Support/Adobe/Adobe Photoshop 2024/Presets$'
	export VAULT_WORKSPACE_PLATFORM=macos
	roundtrip photoshop "$HOME/Library/Preferences/Adobe Photoshop 2024 Settings/Workspace Prefs.txt" \
		"$HOME/Library/Application Support/Adobe/Adobe Photoshop 2024/Presets/Brushes/inks.abr"
	rm -rf "$HOME/Library/Preferences/Adobe Photoshop 2024 Settings"
	run vault workspace restore photoshop first
	assert_success
	[ -f "$HOME/Library/Preferences/Adobe Photoshop 2024 Settings/Adobe Photoshop 2024 Prefs.psp" ]
	[ ! -e "$HOME/Library/Preferences/Adobe Photoshop 2024 Settings/CT Font Cache" ]
}

@test "windows paths: krita from LOCALAPPDATA and APPDATA with --platform windows" {
	export APPDATA="$HOME/AppData/Roaming" LOCALAPPDATA="$HOME/AppData/Local"
	mkdir -p "$LOCALAPPDATA" "$APPDATA/krita/brushes"
	printf '[General]\nTheme=Dark\n' > "$LOCALAPPDATA/kritarc"
	head -c 3000 /dev/urandom > "$APPDATA/krita/brushes/a.gbr"
	run vault workspace capture krita --platform windows --name win
	assert_success
	assert_line --regexp '^  kritarc +~/AppData/Local/kritarc$'
	assert_line --regexp '^  data +~/AppData/Roaming/krita$'
	rm "$LOCALAPPDATA/kritarc"
	run vault workspace restore krita win --platform windows
	assert_success
	[ "$(cat "$LOCALAPPDATA/kritarc")" = $'[General]\nTheme=Dark' ]
}

@test "migrate copies Blender 4.1 to a new 4.2 folder; undo removes it again" {
	make_blender 4.1
	cp -a "$HOME" "$BATS_TEST_TMPDIR/orig"
	run vault workspace migrate blender 4.1 4.2 --dry-run
	assert_success
	assert_output --partial "would copy ~/.config/blender/4.1 to ~/.config/blender/4.2"
	[ ! -e "$HOME/.config/blender/4.2" ]
	run vault workspace migrate blender 4.1 4.2
	assert_success
	assert_output --partial "copied ~/.config/blender/4.1 to ~/.config/blender/4.2"
	diff -r --no-dereference "$HOME/.config/blender/4.1/config" "$HOME/.config/blender/4.2/config"
	cmp "$HOME/.config/blender/4.1/scripts/addons/tools/__init__.py" \
		"$HOME/.config/blender/4.2/scripts/addons/tools/__init__.py"
	[ "$(stat -c %a "$HOME/.config/blender/4.2/config/userpref.blend")" = 600 ]
	[ ! -e "$HOME/.config/blender/4.2/extensions/.cache" ]
	before=$(before_name)
	[[ $before == before-migrate-* ]]
	run vault workspace restore blender "$before" --exact
	assert_success
	[ ! -e "$HOME/.config/blender/4.2" ]
	same_home "$BATS_TEST_TMPDIR/orig"
}

@test "migrate GIMP 2.10 to an existing 3.0 captures 3.0 first (undoable)" {
	make_gimp 2.10
	make_gimp 3.0
	printf '(theme "Light")\n' > "$HOME/.config/GIMP/3.0/gimprc"
	printf '(theme "Dark")\n(show-tips no)\n' > "$HOME/.config/GIMP/2.10/gimprc"
	cp -a "$HOME" "$BATS_TEST_TMPDIR/orig"
	run vault workspace migrate gimp 2.10 3.0
	assert_success
	cmp "$HOME/.config/GIMP/2.10/gimprc" "$HOME/.config/GIMP/3.0/gimprc"
	cmp "$HOME/.config/GIMP/2.10/menurc" "$HOME/.config/GIMP/3.0/menurc"
	run vault workspace restore gimp "$(before_name)" --exact
	assert_success
	[ "$(cat "$HOME/.config/GIMP/3.0/gimprc")" = '(theme "Light")' ]
	same_home "$BATS_TEST_TMPDIR/orig"
}

@test "migrate refuses what it cannot do, changing nothing" {
	make_krita
	make_gimp 2.10
	run vault workspace migrate krita 4 5
	assert_failure 128
	assert_output --partial "krita keeps no version folders"
	run vault workspace migrate gimp 2.8 3.0
	assert_failure 128
	assert_output --partial "no GIMP 2.8 settings here (looked in ~/.config/GIMP/2.8)"
	run vault workspace migrate gimp 2.10 2.10
	assert_failure 129
	run vault workspace list
	refute_output --partial gimp
	[ ! -e "$HOME/.config/GIMP/3.0" ]
}

@test "a user profile from the repository config: paths and excludes" {
	mkdir -p "$HOME/.config/aseprite/extensions" "$HOME/.config/aseprite/cache"
	printf '[preferences]\ngrid=8\n' > "$HOME/.asepriterc"
	printf 'ext\n' > "$HOME/.config/aseprite/extensions/pixel.lua"
	printf 'junk\n' > "$HOME/.config/aseprite/cache/c.bin"
	cat >> .vault/config <<'EOF'
[workspace "aseprite"]
	path = ~/.asepriterc
	path = ~/.config/aseprite
	exclude = cache/
EOF
	run vault workspace profiles aseprite
	assert_success
	assert_line --regexp '^    asepriterc +~/.asepriterc$'
	assert_line --regexp '^    aseprite +~/.config/aseprite$'
	assert_line "  left out below them: cache/ (config)"
	roundtrip aseprite "$HOME/.asepriterc" "$HOME/.config/aseprite/extensions/pixel.lua"
	rm -rf "$HOME/.config/aseprite"
	run vault workspace restore aseprite first
	assert_success
	[ -f "$HOME/.config/aseprite/extensions/pixel.lua" ]
	[ ! -e "$HOME/.config/aseprite/cache" ]
}

@test "a config profile with a relative path is refused clearly" {
	printf '[workspace "foo"]\n\tpath = foo/bar\n' >> .vault/config
	run vault workspace capture foo
	assert_failure 128
	assert_output --partial "workspace.foo.path = foo/bar: give an absolute path or one starting with ~/"
}

@test "list shows apps, names, dates, file counts and sizes; --json too" {
	make_krita
	make_inkscape
	run vault workspace capture krita --name a
	assert_success
	VAULT_AUTHOR_DATE=1764003600 run vault workspace capture krita
	assert_success
	assert_output --partial "captured krita/2025-11-24T17-00-00:"
	run vault workspace capture inkscape --name ui
	run vault workspace list
	assert_success
	assert_line --index 0 --regexp '^APP +NAME +DATE +FILES +SIZE$'
	assert_line --regexp '^inkscape +ui +2025-11-24 16:00 +3 +'
	assert_line --regexp '^krita +a +2025-11-24 16:00 +4 +[0-9.]+ KiB$'
	assert_line --regexp '^krita +2025-11-24T17-00-00 +'
	run vault workspace list krita --json
	assert_success
	python3 -c '
import json, sys
l = json.load(sys.stdin)
assert [s["name"] for s in l] == ["a", "2025-11-24T17-00-00"], l
assert l[0]["app"] == "krita" and l[0]["files"] == 4 and l[0]["auto"] is None
assert l[0]["bytes"] > 20000 and len(l[0]["snapshot"]) == 64
assert l[0]["date"] == "2025-11-24T16:00:00+00:00"
' <<<"$output"
}

@test "restore without a name takes the latest capture, not a before-restore one" {
	make_krita
	run vault workspace capture krita --name old
	printf '[General]\nv=2\n' > "$HOME/.config/kritarc"
	VAULT_AUTHOR_DATE=1764003600 run vault workspace capture krita --name new
	printf '[General]\nv=3\n' > "$HOME/.config/kritarc"
	VAULT_AUTHOR_DATE=1764007200 run vault workspace restore krita
	assert_success
	assert_output --partial "restored krita/new"
	[ "$(cat "$HOME/.config/kritarc")" = $'[General]\nv=2' ]
	printf '[General]\nv=4\n' > "$HOME/.config/kritarc"
	VAULT_AUTHOR_DATE=1764010800 run vault workspace restore krita
	assert_output --partial "restored krita/new"
}

@test "restore of what is already there changes nothing and keeps no capture" {
	make_inkscape
	run vault workspace capture inkscape --name a
	run vault workspace restore inkscape a
	assert_success
	assert_output --partial "already as in inkscape/a"
	run vault workspace list inkscape
	refute_output --partial before-restore
}

@test "restore --dry-run lists the changes and writes nothing" {
	make_krita
	run vault workspace capture krita --name a
	echo '[General]' > "$HOME/.config/kritarc"
	rm "$HOME/.local/share/krita/workspaces/Paint.kws"
	echo new > "$HOME/.local/share/krita/workspaces/New.kws"
	cp -a "$HOME" "$BATS_TEST_TMPDIR/now"
	run vault workspace restore krita a --dry-run --exact
	assert_success
	assert_line "  replace ~/.config/kritarc"
	assert_line "  create  ~/.local/share/krita/workspaces/Paint.kws"
	assert_line "  remove  ~/.local/share/krita/workspaces/New.kws"
	assert_line "(dry run: nothing was written)"
	same_home "$BATS_TEST_TMPDIR/now"
	run vault workspace list krita
	refute_output --partial before-restore
}

@test "diff shows files added, removed, changed, and the changed lines of text settings" {
	make_krita
	make_blender 4.2
	run vault workspace capture krita --name a
	sed -i 's/AutoSaveInterval=300/AutoSaveInterval=60/' "$HOME/.config/kritarc"
	rm "$HOME/.local/share/krita/brushes/ink.gbr"
	echo new > "$HOME/.local/share/krita/workspaces/New.kws"
	run vault workspace diff krita
	assert_failure 1
	assert_line "M  ~/.config/kritarc"
	assert_line "--- a/kritarc"
	assert_line "+++ live/kritarc"
	assert_line "-AutoSaveInterval=300"
	assert_line "+AutoSaveInterval=60"
	assert_line " [General]"
	assert_line "D  ~/.local/share/krita/brushes/ink.gbr"
	assert_line "A  ~/.local/share/krita/workspaces/New.kws"
	refute_output --partial cache
	# two snapshots; a binary file is named, not dumped
	VAULT_AUTHOR_DATE=1764003600 run vault workspace capture krita --name b
	run vault workspace diff krita a b
	assert_failure 1
	assert_line "+++ b/kritarc"
	run vault workspace diff krita b
	assert_success
	assert_output ""
	run vault workspace capture blender --name b1
	head -c 40000 /dev/urandom > "$HOME/.config/blender/4.2/config/userpref.blend"
	run vault workspace diff blender b1
	assert_failure 1
	assert_line "M  ~/.config/blender/4.2/config/userpref.blend"
	assert_line --regexp '^   binary or large file: 39.1 KiB -> 39.1 KiB$'
}

@test "unknown application, unknown snapshot, bad options: clear errors, nothing written" {
	make_krita
	run vault workspace capture photoshopp
	assert_failure 128
	assert_output --partial "no workspace profile for 'photoshopp' (built in: blender, krita, gimp, inkscape, godot, photoshop"
	run vault workspace restore krita
	assert_failure 128
	assert_output --partial "no workspace snapshot of krita yet"
	run vault workspace capture krita --name a
	run vault workspace restore krita nosuch
	assert_failure 128
	assert_output --partial "no workspace snapshot 'nosuch' of krita"
	run vault workspace capture krita --name a
	assert_failure 128
	assert_output --partial "exists already"
	run vault workspace capture krita --name '../x'
	assert_failure 128
	run vault workspace capture krita --platform beos
	assert_failure 129
	run vault workspace frobnicate
	assert_failure 129
	run vault workspace list --exact
	assert_failure 129
	run vault workspace capture gimp
	assert_failure 128
	assert_output --partial "no GIMP settings here"
	run vault workspace list
	assert_success
	assert_line --regexp '^krita +a '
	[ "${#lines[@]}" -eq 2 ]
}

@test "restore refuses a file where the snapshot has a folder, changing nothing" {
	make_blender 4.2
	run vault workspace capture blender --name a
	rm -rf "$HOME/.config/blender/4.2"
	echo "not a folder" > "$HOME/.config/blender/4.2"
	cp -a "$HOME" "$BATS_TEST_TMPDIR/now"
	run vault workspace restore blender a
	assert_failure 128
	assert_output --partial "cannot restore ~/.config/blender/4.2: it is a file here and a folder in the snapshot; nothing was changed"
	same_home "$BATS_TEST_TMPDIR/now"
	run vault workspace list blender
	refute_output --partial before-restore
	# and a file in the way of a parent folder
	rm -rf "$HOME/.config"
	echo x > "$HOME/.config"
	run vault workspace restore blender a
	assert_failure 128
	assert_output --partial "~/.config is a file, not a folder"
}

@test "the project's log and forget do not see workspace snapshots; gc keeps them; fsck checks them" {
	make_krita
	echo art > picture.txt
	vault backup -q -m one
	run vault workspace capture krita --name a
	assert_success
	echo more >> picture.txt
	VAULT_AUTHOR_DATE=1764003600 vault backup -q -m two
	run vault log --oneline
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	refute_output --partial workspace
	run vault forget --keep-last 1
	assert_success
	run vault forget --keep-last 1 -n --json
	refute_output --partial workspace
	run vault gc
	assert_success
	rm -rf "$HOME/.config/kritarc" "$HOME/.local/share/krita"
	run vault workspace restore krita a
	assert_success
	cmp <(printf '[General]\nAutoSaveInterval=300\nCanvasSurfaceColor=0,0,0\n[MainWindow]\nState=AAAA\n') "$HOME/.config/kritarc"
	[ -f "$HOME/.local/share/krita/brushes/ink.gbr" ]
	run vault fsck
	assert_success
	# damage a chunk only the workspace snapshot holds: fsck finds it
	chunk=$(chunks_of refs/workspaces/krita/a:data/brushes/ink.gbr | head -1)
	damage_object .vault "$chunk"
	run vault fsck
	assert_failure
	assert_output --partial "$chunk"
}

@test "a repository with only workspace snapshots is a sound one" {
	make_inkscape
	run vault workspace capture inkscape
	run vault fsck
	assert_success
}

@test "the persona front ends reach vault workspace" {
	make_godot
	run vault creative workspace capture godot --name fe
	assert_success
	run vault game workspace list godot
	assert_success
	assert_line --regexp '^godot +fe '
	run vault creative
	assert_output --partial workspace
}

@test "diff's changed lines are a unified diff like diff -u's, hunks and all" {
	make_inkscape
	local p="$HOME/.config/inkscape/preferences.xml"
	seq 1 80 | sed 's/^/  <pref id="p&" value="1"\/>/' > "$p"
	cp "$p" "$BATS_TEST_TMPDIR/old.xml"
	run vault workspace capture inkscape --name a
	sed -i -e '3d' -e '10s/value="1"/value="2"/' -e '40a\  <pref id="new"/>' -e '79,80d' "$p"
	run vault workspace diff inkscape a
	assert_failure 1
	diff -u "$BATS_TEST_TMPDIR/old.xml" "$p" | sed -n '/^@@/,$p' > "$BATS_TEST_TMPDIR/want"
	sed -n '/^@@/,$p' <<<"$output" > "$BATS_TEST_TMPDIR/got"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	[ "$(grep -c '^@@' "$BATS_TEST_TMPDIR/got")" -eq 3 ]
	run vault workspace diff inkscape a -q
	assert_failure 1
	assert_output "M  ~/.config/inkscape/preferences.xml"
}

@test "capture --path adds a folder; restore puts it back where it was" {
	make_krita
	mkdir -p "$HOME/art/my-brushes"
	head -c 7000 /dev/urandom > "$HOME/art/my-brushes/soft.gbr"
	cp "$HOME/art/my-brushes/soft.gbr" "$BATS_TEST_TMPDIR/soft.gbr"
	run vault workspace capture krita --name a --path "$HOME/art/my-brushes"
	assert_success
	assert_line --regexp '^  my-brushes +~/art/my-brushes$'
	rm -rf "$HOME/art"
	run vault workspace restore krita a
	assert_success
	cmp "$BATS_TEST_TMPDIR/soft.gbr" "$HOME/art/my-brushes/soft.gbr"
	run vault workspace capture krita --path "$HOME/no/such"
	assert_failure 128
	assert_output --partial "--path $HOME/no/such: No such file or directory"
}
