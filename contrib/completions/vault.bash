# bash completion for vault and its vault-* programs.
#
# Install: see Documentation/completion.md. In short, source this file from
# ~/.bashrc, or copy it to ~/.local/share/bash-completion/completions/vault.
#
# What it completes:
#   vault [--repo PATH] [--exec-path=DIR] COMMAND   command names: `vault help -a`
#                                                   and vault-* on $PATH
#   vault COMMAND --<TAB>, vault-COMMAND --<TAB>    options, read from
#                                                   `vault-COMMAND --help` each
#                                                   time, so new options appear
#                                                   without editing this file
#   option values and arguments                     by the placeholder the usage
#                                                   text gives them: DIR/PATH/FILE
#                                                   are files, KIND is an object
#                                                   kind, a|b|c are choices, and
#                                                   REV/TREE/OBJECT/SNAP/PARENT/
#                                                   NEW/OLD/REF are revisions:
#                                                   HEAD, refs/snapshots/* and
#                                                   refs/tags/* of the repository
#                                                   (--repo, $VAULT_DIR or the
#                                                   nearest .vault), and
#                                                   REV:path/in/tree
#
# Nothing here needs the bash-completion package; it works with it too.

# Words of the command line up to the cursor, split on unquoted blanks only
# (not on bash's COMP_WORDBREAKS, which would cut "HEAD:dir" and
# "--repo=PATH" in pieces). Sets _vault_words (dequoted) and _vault_curpre:
# the part of the current word, dequoted, that readline does not replace
# (up to its last unquoted COMP_WORDBREAKS character, e.g. "HEAD:").
_vault_split_line()
{
	local line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
	local wb=${COMP_WORDBREAKS-$' \t\n"\'><=;|&(:'}
	local i c word='' q='' inword=''
	_vault_words=()
	_vault_curpre=''
	if [[ -z $COMP_LINE ]]; then
		# called without COMP_LINE (a test or a caller of its own)
		_vault_words=("${COMP_WORDS[@]:0:COMP_CWORD+1}")
		return
	fi
	for ((i = 0; i < ${#line}; i++)); do
		c=${line:i:1}
		if [[ -n $q ]]; then
			if [[ $c == "$q" ]]; then
				q=''
			elif [[ $q == '"' && $c == \\ ]] && ((i + 1 < ${#line})); then
				((i++))
				word+=${line:i:1}
			else
				word+=$c
			fi
			continue
		fi
		case $c in
		[[:blank:]])
			if [[ -n $inword ]]; then
				_vault_words+=("$word")
				word='' inword='' _vault_curpre=''
			fi
			;;
		\' | \")
			q=$c inword=1
			;;
		\\)
			inword=1
			if ((i + 1 < ${#line})); then
				((i++))
				word+=${line:i:1}
			fi
			;;
		*)
			word+=$c inword=1
			[[ $wb == *"$c"* ]] && _vault_curpre=$word
			;;
		esac
	done
	_vault_words+=("$word")
}

# Set COMPREPLY to the candidates (full, dequoted words) that start with
# $1, without the part readline keeps (_vault_curpre).
_vault_reply()
{
	local cur=$1 pre=$_vault_curpre c
	shift
	for c in "$@"; do
		[[ $c == "$cur"* && $c == "$pre"* ]] || continue
		COMPREPLY+=("${c:${#pre}}")
	done
}

# The repository directory: $1 (a --repo value), else $VAULT_DIR, else the
# nearest .vault from the current directory upwards (what the programs do).
_vault_repo_dir()
{
	local d=${1:-${VAULT_DIR-}}
	if [[ -n $d ]]; then
		d=${d/#\~/$HOME}
		[[ -f $d/config ]] && printf '%s\n' "$d"
		return
	fi
	d=$PWD
	while :; do
		if [[ -f ${d%/}/.vault/config ]]; then
			printf '%s\n' "${d%/}/.vault"
			return
		fi
		[[ -z $d || $d == / ]] && return
		d=${d%/*}
		[[ -z $d ]] && d=/
	done
}

# Ref names of the repository: "full" (HEAD, refs/snapshots/x, refs/tags/y)
# or "short" (HEAD, x, y).
_vault_refs()
{
	local dir f
	dir=$(_vault_repo_dir "$_vault_repo") || return
	[[ -n $dir ]] || return
	printf '%s\n' HEAD
	[[ -d $dir/refs ]] || return
	while IFS= read -r f; do
		f=${f#"$dir"/}
		case $f in
		*.lock | *.tmp-*) continue ;;
		esac
		if [[ $1 == full ]]; then
			printf '%s\n' "$f"
		else
			f=${f#refs/snapshots/}
			printf '%s\n' "${f#refs/tags/}"
		fi
	done < <(find "$dir/refs/snapshots" "$dir/refs/tags" -type f 2>/dev/null)
}

# Run vault-$1 with the remaining arguments, the way the line being completed
# would (through the driver with its --repo/--exec-path, or directly).
_vault_run()
{
	local sub=$1
	shift
	if [[ ${#_vault_driver[@]} -gt 0 ]]; then
		"${_vault_driver[@]}" "$sub" "$@"
	elif [[ $_vault_self == */* ]]; then
		"${_vault_self%/*}/vault-$sub" "$@"
	else
		"vault-$sub" "$@"
	fi
}

# Candidates for REV:path (entries of the tree REV:dir); trees get a "/".
_vault_tree_paths()
{
	local rev=${1%%:*} path=${1#*:} dir='' rec meta name
	[[ $path == */* ]] && dir=${path%/*}/
	while IFS= read -r -d '' rec; do
		meta=${rec%%$'\t'*}
		name=${rec#*$'\t'}
		meta=${meta#* }
		meta=${meta%% *}
		if [[ $meta == tree ]]; then
			printf '%s\n' "$rev:$dir$name/"
		else
			printf '%s\n' "$rev:$dir$name"
		fi
	done < <(_vault_run ls-tree -z "$rev:$dir" 2>/dev/null)
}

# Candidates for a revision argument.
_vault_revs()
{
	local cur=$1
	if [[ $cur == *:* ]]; then
		_vault_tree_paths "$cur"
	elif [[ $cur == refs/* ]]; then
		_vault_refs full
	else
		_vault_refs short
	fi
}

# Add the candidates for one placeholder of the usage text ($1) to
# _vault_cands; $2 is the word being completed. Sets _vault_files=1 for
# file name completion, _vault_dirs=1 for directories.
_vault_type_cands()
{
	local type=${1%...} cur=$2
	local -a choices
	case $type in
	*'|'*)
		IFS='|' read -ra choices <<<"$type"
		_vault_cands+=("${choices[@]}")
		;;
	DIR | PATH)
		_vault_dirs=1 ;;
	FILE | FILES | LIST | PACK)
		_vault_files=1 ;;
	KIND)
		_vault_cands+=(chunk file tree snapshot record) ;;
	REF)
		if [[ $cur == *:* ]]; then
			compopt -o filenames 2>/dev/null
			mapfile -t -O "${#_vault_cands[@]}" _vault_cands < <(_vault_revs "$cur")
		else
			mapfile -t -O "${#_vault_cands[@]}" _vault_cands < <(_vault_refs full; _vault_refs short)
		fi
		;;
	REV | REVS | TREE | OBJECT | SNAP | SNAPSHOT | PARENT | NEW | OLD | A | B)
		[[ $cur == *:* ]] && compopt -o filenames 2>/dev/null
		mapfile -t -O "${#_vault_cands[@]}" _vault_cands < <(_vault_revs "$cur")
		;;
	esac
}

# Parse a program's --help text into
#   o NAME VALUE      an option; VALUE is "-" when it takes none
#   p FORM INDEX TYPE a positional argument of usage form FORM; TYPE ends
#                     in "..." when it repeats
# The option list under the usage (lines starting with "-") says whether an
# option takes a value; the usage lines say which choices it has and what
# the positional arguments are.
_vault_parse_help()
{
	awk '
	function isval(t) {
		return t ~ /^[A-Z][A-Z0-9_=]*$/ || t ~ /^[A-Za-z0-9_.-]+(\|[A-Za-z0-9_.-]+)+$/
	}
	function setdesc(col,   n, i, t, names, nn, k, val, parts) {
		n = split(col, t, " ")
		nn = 0
		val = "-"
		for (i = 1; i <= n; i++) {
			if (t[i] ~ /^-/) {
				sub(/,$/, "", t[i])
				k = split(t[i], parts, "/")
				for (j = 1; j <= k; j++) {
					sub(/\[.*/, "", parts[j])
					if (parts[j] ~ /^--?[A-Za-z0-9]/)
						names[++nn] = parts[j]
				}
			} else {
				if (isval(t[i]))
					val = t[i]
				break
			}
		}
		for (i = 1; i <= nn; i++) {
			desc[names[i]] = val
			order[names[i]] = 1
		}
	}
	NR == 1 && !/^usage:/ { exit }
	state == 0 && /^usage:/ { nf++; form[nf] = substr($0, 7); state = 1; next }
	state == 1 && /^[ \t]*$/ { state = 2; next }
	state == 1 && /^[ \t]+or:/ { sub(/^[ \t]+or:/, ""); nf++; form[nf] = $0; next }
	state == 1 { form[nf] = form[nf] " " $0; next }
	state == 2 && /^[ \t]+-/ {
		line = $0
		sub(/^[ \t]+/, "", line)
		p = index(line, "  ")
		setdesc(p ? substr(line, 1, p - 1) : line)
	}
	END {
		for (f = 1; f <= nf; f++) {
			s = form[f]
			gsub(/[][()]/, " & ", s)
			nt[f] = split(s, tok, " ")
			for (i = 1; i <= nt[f]; i++)
				T[f, i] = tok[i]
			# usage values: choices win over the list placeholder
			for (i = 2; i < nt[f]; i++) {
				if (T[f, i] ~ /^--?[A-Za-z0-9]/ && isval(T[f, i + 1])) {
					name = T[f, i]
					order[name] = 1
					if (!(name in usev) || T[f, i + 1] ~ /\|/)
						usev[name] = T[f, i + 1]
				} else if (T[f, i] ~ /^--?[A-Za-z0-9]/) {
					order[name = T[f, i]] = 1
				}
			}
			if (nt[f] >= 1 && T[f, nt[f]] ~ /^--?[A-Za-z0-9]/)
				order[T[f, nt[f]]] = 1
		}
		for (name in order) {
			if (name in desc)
				v = desc[name] == "-" ? "-" : (name in usev && usev[name] ~ /\|/ ? usev[name] : desc[name])
			else
				v = name in usev ? usev[name] : "-"
			final[name] = v
			print "o", name, v
		}
		for (f = 1; f <= nf; f++) {
			idx = 0
			for (i = 2; i <= nt[f]; i++) {
				t = T[f, i]
				if (t == "<")
					break
				if (t ~ /^--?[A-Za-z0-9]/) {
					if (final[t] != "-" && isval(T[f, i + 1]))
						i++
					continue
				}
				if (t ~ /^[A-Z][A-Z0-9_]*(\.\.\.)?$/)
					print "p", f, idx++, t
			}
		}
	}'
}

# Complete the arguments of one program. $1: its --help text; the words
# after the program name are "${_vault_words[@]:$2}", the last one being
# completed.
_vault_args()
{
	local IFS=$' \t\n'
	local help=$1 first=$2 spec cur name val i w n pos=0 expect='' dashdash=''
	local -A optval=()
	local -a posw=() words=("${_vault_words[@]:first}")
	spec=$(_vault_parse_help <<<"$help")
	while read -r kind name val _; do
		[[ $kind == o ]] && optval[$name]=$val
	done <<<"$spec"
	optval[--help]=-
	n=${#words[@]}
	cur=${words[n-1]}
	for ((i = 0; i < n - 1; i++)); do
		w=${words[i]}
		if [[ -n $expect ]]; then
			expect=
			continue
		fi
		if [[ -z $dashdash && $w == -- ]]; then
			dashdash=1
		elif [[ -z $dashdash && $w == -?* && $w != *=* ]]; then
			[[ ${optval[$w]-"-"} != - ]] && expect=${optval[$w]}
		elif [[ -z $dashdash && $w == --*=* ]]; then
			:
		else
			posw+=("$w")
			((pos++))
		fi
	done

	_vault_cands=() _vault_files='' _vault_dirs=''
	local pre=''
	if [[ -n $expect ]]; then
		_vault_type_cands "$expect" "$cur"
	elif [[ -z $dashdash && $cur == --*=* && ${optval[${cur%%=*}]-"-"} != - ]]; then
		pre=${cur%%=*}=
		_vault_type_cands "${optval[${cur%%=*}]}" "${cur#*=}"
	elif [[ -z $dashdash && $cur == -* ]]; then
		for name in "${!optval[@]}"; do
			[[ $name == --* || $cur != --* ]] && _vault_cands+=("$name")
		done
	else
		# positional argument number $pos: what any usage form has there
		local f idx type treerev=
		local -a types=()
		while read -r kind f idx type; do
			[[ $kind == p ]] || continue
			if ((idx == 0 && pos > 0)); then
				case ${type%...} in
				TREE | SNAP | SNAPSHOT | REV) treerev=${posw[0]} ;;
				esac
			fi
			if ((idx == pos)) || { [[ $type == *... ]] && ((idx < pos)); }; then
				types+=("$type")
			fi
		done <<<"$spec"
		for type in "${types[@]}"; do
			# a PATH after a snapshot or tree: a path inside that tree
			if [[ ${type%...} == PATH && -n $treerev ]]; then
				_vault_tree_path_rel "$treerev" "$cur"
			else
				_vault_type_cands "$type" "$cur"
			fi
		done
	fi

	local c
	if [[ -n $_vault_files || -n $_vault_dirs ]]; then
		local v=${cur#"$pre"} how=-f
		[[ -n $_vault_dirs ]] && how=-d
		mapfile -t -O "${#_vault_cands[@]}" _vault_cands < <(compgen "$how" -- "$v")
		compopt -o filenames 2>/dev/null
	fi
	if [[ -n $pre ]]; then
		local -a full=()
		for c in "${_vault_cands[@]}"; do
			full+=("$pre$c")
		done
		_vault_cands=("${full[@]}")
	fi
	mapfile -t _vault_cands < <(printf '%s\n' "${_vault_cands[@]}" | sort -u)
	_vault_reply "$cur" "${_vault_cands[@]}"
	for c in "${COMPREPLY[@]}"; do
		if [[ $c == */ || $c == *= ]]; then
			compopt -o nospace 2>/dev/null
			break
		fi
	done
}

# PATH arguments after a snapshot (ls-tree TREE PATH, restore SNAP PATH):
# the tree's entries, without the "REV:" in front.
_vault_tree_path_rel()
{
	local rev=$1 cur=$2 c
	compopt -o filenames 2>/dev/null  # bash quotes odd names
	while IFS= read -r c; do
		_vault_cands+=("${c#"$rev":}")
	done < <(_vault_tree_paths "$rev:$cur")
}

# vault COMMAND names: what `vault help -a` finds, and vault-* on $PATH.
_vault_commands()
{
	local out
	if out=$("${_vault_self}" "${_vault_gopts[@]}" help -a 2>/dev/null); then
		sed -n 's/^   \([a-z0-9][a-z0-9-]*\)$/\1/p' <<<"$out"
	else
		printf '%s\n' init hash-object cat-object chunk write-tree ls-tree \
			commit-tree update-ref rev-parse checkout-tree verify-pack \
			unlock backup restore log show ls cat diff tag stats fsck \
			forget gc export-git import-git timeline diff-visual \
			status check-ignore
	fi
	compgen -c vault- | sed -n 's/^vault-\([a-z0-9][a-z0-9-]*\)$/\1/p'
	printf '%s\n' help
}

# `vault [--repo PATH] [--exec-path=DIR] COMMAND ARGS`
_vault()
{
	local i w cmd='' cmdi='' cur
	local -a c
	COMPREPLY=()
	_vault_split_line
	_vault_self=${_vault_words[0]/#\~/$HOME}
	_vault_repo='' _vault_gopts=()
	cur=${_vault_words[${#_vault_words[@]}-1]}
	for ((i = 1; i < ${#_vault_words[@]} - 1; i++)); do
		w=${_vault_words[i]}
		case $w in
		--repo | -C)
			((i++))
			_vault_repo=${_vault_words[i]}
			[[ $i -lt ${#_vault_words[@]}-1 ]] &&
				_vault_gopts+=(--repo "$_vault_repo")
			;;
		--repo=*)
			_vault_repo=${w#--repo=}
			_vault_gopts+=("$w")
			;;
		--exec-path=*)
			_vault_gopts+=("$w") ;;
		-*) ;;
		*)
			cmd=$w cmdi=$i
			break
			;;
		esac
	done
	if [[ -z $cmd ]]; then
		local prev=${_vault_words[${#_vault_words[@]}-2]}
		if [[ ${#_vault_words[@]} -gt 2 && ( $prev == --repo || $prev == -C ) ]]; then
			compopt -o filenames 2>/dev/null
			mapfile -t c < <(compgen -d -- "$cur")
			_vault_reply "$cur" "${c[@]}"
		elif [[ $cur == --repo=* || $cur == --exec-path=* ]]; then
			compopt -o filenames 2>/dev/null
			mapfile -t c < <(compgen -d -- "${cur#*=}")
			_vault_reply "$cur" "${c[@]/#/${cur%%=*}=}"
		elif [[ $cur == -* ]]; then
			_vault_reply "$cur" --help --version --repo --repo= \
				--exec-path --exec-path=
			[[ ${COMPREPLY[*]} == *= ]] && compopt -o nospace 2>/dev/null
		else
			mapfile -t c < <(_vault_commands | sort -u)
			_vault_reply "$cur" "${c[@]}"
		fi
		return 0
	fi
	_vault_driver=("$_vault_self" "${_vault_gopts[@]}")
	if [[ $cmd == help ]]; then
		if ((cmdi == ${#_vault_words[@]} - 2)); then
			mapfile -t c < <(_vault_commands | sort -u)
			_vault_reply "$cur" -a --all "${c[@]}"
		fi
		return 0
	fi
	[[ $cmd == snapshot ]] && cmd=backup
	local help
	help=$("$_vault_self" "${_vault_gopts[@]}" "$cmd" --help 2>/dev/null </dev/null)
	if [[ $help != usage:* ]]; then
		compopt -o default 2>/dev/null
		return 0
	fi
	_vault_args "$help" $((cmdi + 1))
	return 0
}

# A vault-NAME program called directly.
_vault_cmd()
{
	local help
	COMPREPLY=()
	_vault_split_line
	_vault_self=${_vault_words[0]/#\~/$HOME}
	_vault_repo='' _vault_gopts=() _vault_driver=()
	help=$("$_vault_self" --help 2>/dev/null </dev/null)
	if [[ $help != usage:* ]]; then
		compopt -o default 2>/dev/null
		return 0
	fi
	_vault_args "$help" 1
	return 0
}

complete -F _vault vault
complete -F _vault_cmd vault-init vault-hash-object vault-cat-object \
	vault-chunk vault-write-tree vault-ls-tree vault-commit-tree \
	vault-update-ref vault-rev-parse vault-checkout-tree vault-verify-pack \
	vault-unlock vault-backup vault-restore vault-log vault-show vault-ls \
	vault-cat vault-diff vault-tag vault-stats vault-fsck vault-forget \
	vault-gc vault-status vault-check-ignore
