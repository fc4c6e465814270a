import re, sys
# docopts.py PAGE: "OPTION<TAB>VALUE" per option the page documents, from
# its Synopsis code block and its Options section; VALUE is a sample value
# when the option takes one (from its placeholder), else empty.
page = open(sys.argv[1], encoding="utf-8").read()
def section(name):
    m = re.search(r"^## " + name + r"\s*$(.*?)(?=^## |\Z)", page, re.M | re.S)
    return m.group(1) if m else ""
def sample(ph):
    ph = ph.strip("[]=<>")
    if "|" in ph:
        return ph.split("|")[0].strip("()")
    return {"N": "1", "SIZE": "1M", "KIND": "chunk", "SECONDS": "1",
            "DAYS": "1"}.get(ph, "x")
opts = {}
syn = section("Synopsis")
for block in re.findall(r"```(.*?)```", syn, re.S):
    toks = re.findall(r"(?<![\w.~/-])(--?[A-Za-z0-9][A-Za-z0-9-]*)"
                      r"(?:[ =]([A-Z][A-Z0-9_|]*|[a-z0-9-]+(?:\|[a-z0-9-]+)+"
                      r"|\[?=[A-Z]+\]?))?", block)
    for o, ph in toks:
        if re.fullmatch(r"-[0-9]+", o):
            continue
        opts.setdefault(o, sample(ph) if ph else "")
for line in section("Options").splitlines():
    if not line.startswith("`-"):
        continue
    for item in re.findall(r"`(-[^`]*)`", line):
        m = re.match(r"(--?[A-Za-z0-9][A-Za-z0-9-]*)(\[?=[^ ]*\]?|\s+\S+)?", item)
        if not m:
            continue
        o, ph = m.group(1), (m.group(2) or "").strip()
        if o not in opts or (ph and not opts[o]):
            opts[o] = sample(ph) if ph else ""
for o, v in opts.items():
    print(f"{o}\t{v}")
