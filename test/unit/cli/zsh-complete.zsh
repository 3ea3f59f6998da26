# Prints what zsh's completion offers for each command line: the candidates one
# per line, then "@@done" after each command line.
# Usage: zsh -f zsh-complete.zsh SCRIPT 'command line'...
# A real interactive zsh in a pseudo-terminal (zpty) with compinit; compadd is
# wrapped to print what the completion functions add, and a widget bound to
# ^Xe marks the end of the output once the TAB has been handled.
zmodload zsh/zpty || exit 2
zpty z zsh -f -i
zpty -w z 'PS1="" PROMPT="" RPROMPT=""; autoload -U compinit && compinit -u -D'
zpty -w z "source ${(q)1}"
zpty -w z 'compadd () {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
  typeset -a __hits
  builtin compadd -A __hits "$@"
  local h; for h in $__hits; do print -r -- $'"'"'\x40\x40hit:'"'"'"$h"; done
}'
zpty -w z 'end-test() { zle -I; print -r -- "@@""end"; zle kill-whole-line; }; zle -N end-test; bindkey "^Xe" end-test; bindkey "^I" complete-word'
shift
local typed out line
local -a hits
integer idle
for typed in "$@"; do
  zpty -w -n z "$typed"$'\t\x18e'
  out='' idle=0
  while (( idle < 200 )); do
    if zpty -r -t z line; then
      out+=$line
      [[ $out == *$'\n@@end'* ]] && break
    else
      (( idle++ )); sleep 0.02
    fi
  done
  # The echo of the typed line precedes a hit on the same line: keep what follows the marker.
  hits=()
  for line in ${(f)out//$'\r'/}; do
    [[ $line == *@@hit:* ]] && hits+=("${line##*@@hit:}")
  done
  (( $#hits )) && print -rl -- $hits
  print -r -- '@@done'
done
zpty -d z
