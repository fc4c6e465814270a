#!/usr/bin/env bats
# vault-chunk: boundaries, the FastCDC reference, determinism, stability.

load helper

@test "FastCDC cuts the reference image where FastCDC 2020 does" {
	img="$VAULT_TESTDATA/fastcdc/SekienAkashita.jpg"
	need_testdata fastcdc/SekienAkashita.jpg
	run vault-chunk --algo fastcdc --min 4096 --avg 16384 --max 65535 "$img"
	assert_success
	run bash -c "vault-chunk --algo fastcdc --min 4096 --avg 16384 --max 65535 '$img' | awk '{print \$2}' | paste -sd,"
	assert_output "21325,17140,28084,18217,24700"
}

@test "the reference image at 8K/32K/128K matches the reference too" {
	img="$VAULT_TESTDATA/fastcdc/SekienAkashita.jpg"
	need_testdata fastcdc/SekienAkashita.jpg
	run bash -c "vault-chunk --min 8192 --avg 32768 --max 131072 '$img' | awk '{print \$2}' | paste -sd,"
	assert_output "66549,42917"
}

@test "lines are OFFSET LENGTH ID, lengths add up, output is deterministic" {
	head -c 5000000 /dev/urandom > data
	vault-chunk --avg 64k data > one
	vault-chunk --avg 64k data > two
	cmp one two
	run awk 'BEGIN{o=0} { if ($1 != o) exit 1; o += $2 } END { print o }' one
	assert_success
	assert_output 5000000
	run grep -cvE '^[0-9]+ [0-9]+ [0-9a-f]{64}$' one
	assert_output 0
}

@test "chunk ids equal the ids of the chunk bytes" {
	head -c 300000 /dev/urandom > data
	read -r off len id < <(vault-chunk --algo fixed --avg 100000 data)
	head -c "$len" data > first
	run vault-hash-object -t chunk first
	assert_output "$id"
}

@test "fixed chunking cuts at exact multiples" {
	head -c 250000 /dev/urandom > data
	run bash -c "vault-chunk --algo fixed --avg 100000 data | awk '{print \$1, \$2}'"
	assert_output "$(printf '0 100000\n100000 100000\n200000 50000')"
}

@test "at least 90% of chunk ids survive 100 bytes inserted near the start of 32 MiB" {
	head -c 33554432 /dev/urandom > a
	{ head -c 5000 a; head -c 100 /dev/urandom; tail -c +5001 a; } > b
	vault-chunk --avg 64k a | awk '{print $3}' | sort > ia
	vault-chunk --avg 64k b | awk '{print $3}' | sort > ib
	total=$(wc -l < ia)
	kept=$(comm -12 ia ib | wc -l)
	echo "kept $kept of $total"
	[ $((kept * 100)) -ge $((total * 90)) ]
}

@test "-z ends records with NUL; several files add a path column" {
	printf 'x%.0s' $(seq 1 1000) > a
	cp a b
	run bash -c "vault-chunk -z a | tr '\0' '\n' | wc -l"
	assert_output 1
	run vault-chunk a b
	assert_line --index 0 --regexp ' a$'
	assert_line --index 1 --regexp ' b$'
}

@test "--json prints an array" {
	printf 'abc' > a
	run vault-chunk --json a
	assert_success
	assert_output --partial '"length":3'
}

@test "invalid sizes are usage errors" {
	echo x > a
	run vault-chunk --min 100k --avg 64k --max 1M a
	assert_failure 129
	run vault-chunk --algo gear a
	assert_failure 129
}

@test "an unreadable file is fatal" {
	run vault-chunk does-not-exist
	assert_failure 128
}
