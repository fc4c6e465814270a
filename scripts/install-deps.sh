#!/usr/bin/env bash
# Install what vault needs to build and test, from Debian 12 packages only.
# Safe to run again: apt-get skips what is already there.
set -euo pipefail

pkgs=(
	build-essential autoconf automake libtool pkg-config
	libzstd-dev zlib1g-dev libxxhash-dev libssl-dev libjansson-dev
	libgit2-dev git-lfs
	libspng-dev libjpeg62-turbo-dev libwebp-dev libtiff-dev libassimp-dev libzip-dev libxml2-dev libyaml-dev
	# models the loader is tested against (t/cli/assimp-testmodels.bats; 74 MB)
	assimp-testmodels
	libfreetype-dev fonts-dejavu-core
	chromium
	bats bats-support bats-assert jq
	xxhash zstd python3 openssl git ca-certificates
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
