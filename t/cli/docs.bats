#!/usr/bin/env bats
# The pages tell the truth about the programs: every option a
# Documentation/vault-*.md page shows (in its synopsis or its options
# section) is named by the program's --help and accepted by its parser.

load helper

DOCOPTS="$VAULT_SRCDIR/t/helpers/docopts.py"

# check_page PAGE: one line per option of PAGE that --help does not name
# or that the parser refuses; nothing when all is well.
check_page() {
	local page=$1 prog help opt val out rc
	prog=$(basename "$page" .md)
	# a program of an optional part this build leaves out (media, git)
	if ! command -v "$prog" >/dev/null 2>&1 &&
	   { ! has_feature media || ! has_feature git; }; then
		return
	fi
	help=$("$prog" --help 2>&1) || { echo "$prog: --help fails"; return; }
	while IFS=$'\t' read -r opt val; do
		# named by --help, as a whole option (not a prefix of a longer
		# one); -h/--help themselves are the front end's, everywhere
		if [ "$opt" != -h ] && [ "$opt" != --help ] && ! grep -qE -- "(^|[^A-Za-z0-9-])${opt}([^A-Za-z0-9-]|\$)" <<<"$help"; then
			echo "$prog: $opt is on its page but not in --help"
		fi
		# accepted: --help after it ends the parse before anything runs
		rc=0
		if [ -n "$val" ]; then
			out=$("$prog" "$opt" "$val" --help 2>&1) || rc=$?
		else
			out=$("$prog" "$opt" --help 2>&1) || rc=$?
		fi
		# refused: an error that says so, or that names the option
		# itself (whatever the front end's wording of the day)
		if [ "$rc" -ne 0 ] && { grep -qiE "unknown|unrecognized|not an option|invalid option" <<<"$out" ||
			head -1 <<<"$out" | grep -qF -e "'$opt'" -e "\"$opt\"" -e "option $opt"; }; then
			echo "$prog: $opt is on its page but the program refuses it (exit $rc): $(head -1 <<<"$out")"
		fi
	done < <(python3 "$DOCOPTS" "$page")
}

@test "the option extractor finds the options of a page" {
	run python3 "$DOCOPTS" "$VAULT_SRCDIR/Documentation/vault-verify-pack.md"
	assert_success
	assert_line --regexp $'^-s\t$'
	assert_line --regexp $'^--stat\t$'
	assert_line --regexp $'^--no-rehash\t$'
	run python3 "$DOCOPTS" "$VAULT_SRCDIR/Documentation/vault-restore.md"
	assert_line $'--target\tx'
	assert_line $'--threads\t1'
}

@test "every option of every vault-*.md page is in its program's --help and accepted" {
	local page problems=""
	# outside any repository: even a program that got past --help would
	# find nothing to change
	cd "$BATS_TEST_TMPDIR"
	for page in "$VAULT_SRCDIR"/Documentation/vault-*.md; do
		problems+=$(check_page "$page")
		[ -z "$problems" ] || problems+=$'\n'
	done
	problems=$(sed '/^$/d' <<<"$problems")
	if [ -n "$problems" ]; then
		echo "$problems"
		return 1
	fi
}

@test "every option a program's --help names is on its page" {
	local page prog o problems=""
	cd "$BATS_TEST_TMPDIR"
	for page in "$VAULT_SRCDIR"/Documentation/vault-*.md; do
		prog=$(basename "$page" .md)
		while read -r o; do
			grep -qE -- "(^|[^A-Za-z0-9-])${o}([^A-Za-z0-9-]|\$)" "$page" ||
				problems+="$prog: $o is in --help but not on its page"$'\n'
		done < <("$prog" --help 2>&1 | grep -oE -- "(^|[][ (|,])--?[A-Za-z][A-Za-z0-9-]*" |
			 sed 's/^[][ (|,]//' | sort -u)
	done
	if [ -n "$problems" ]; then
		echo "$problems"
		return 1
	fi
}
