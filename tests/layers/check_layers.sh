#!/bin/sh
# Issue 18: supervisor/ is layered; a layer uses only the layers below it (docs/design.md).
# The build already refuses most crossings (a pure library has no os/ or engine/ header on its
# include path, and supervisor/CMakeLists.txt checks what the pure targets link); this catches
# what the include path cannot: a quoted include with a directory (`../os/x.hpp`) and, in the
# pure layers, the headers of the calls that reach into a tracee.
# Usage: check_layers.sh SUPERVISOR_DIR. Exit 0 clean, 1 with every crossing named.
set -u
dir=${1:?usage: check_layers.sh SUPERVISOR_DIR}
cd "$dir" || exit 1

# What each layer may include from (itself first). cli is the top: it may use everything.
allowed() {
  case $1 in
    core) echo "core" ;;
    rules) echo "rules core" ;;
    lang) echo "lang rules core" ;;
    bpf) echo "bpf rules core" ;;
    os) echo "os rules core" ;;
    engine) echo "engine os bpf lang rules core" ;;
    cli) echo "cli engine os bpf lang rules core" ;;
    *) return 1 ;;
  esac
}
layers="core rules lang bpf os engine cli"
pure="core rules lang bpf"
# A pure layer does not trace, wait for or read another process.
kernel_headers='sys/ptrace.h|sys/wait.h|sys/uio.h|sys/user.h'

bad=0
complain() { echo "layers: $*"; bad=1; }

for f in *.cpp *.hpp *.inc; do
  [ -e "$f" ] && complain "$f: a source file outside the layer folders"
done
for layer in $layers; do
  [ -d "$layer" ] || { complain "$layer/: missing"; continue; }
  for f in "$layer"/*; do
    [ -f "$f" ] || continue
    ok=$(allowed "$layer")
    # A generator is a build-time program, not part of its layer's library: it may load policies.
    case $f in */gen_*.cpp) ok="$ok lang" ;; esac
    # Quoted includes: by basename only, and from a layer this one may use.
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
      case $inc in
        */*) complain "$f: #include \"$inc\" names a directory (include by basename)"; continue ;;
      esac
      home=
      for l in $layers; do
        [ -e "$l/$inc" ] && home="$home $l"
      done
      [ -n "$home" ] || { complain "$f: #include \"$inc\" is in no layer folder"; continue; }
      home=${home# }
      case $home in *" "*) complain "$f: \"$inc\" exists in more than one layer: $home" ;; esac
      case " $ok " in
        *" $home "*) ;;
        *) complain "$f: includes $home/$inc, but $layer may use only: $ok" ;;
      esac
    done
    case " $pure " in
      *" $layer "*)
        if grep -En "^[[:space:]]*#[[:space:]]*include[[:space:]]*<($kernel_headers)>" "$f" >/dev/null; then
          complain "$f: the pure layer $layer includes $(grep -Eo "<($kernel_headers)>" "$f" | tr '\n' ' ')"
        fi ;;
    esac
  done
done
[ "$bad" = 0 ] && echo "layers: every include in $dir goes down: $layers"
exit "$bad"
