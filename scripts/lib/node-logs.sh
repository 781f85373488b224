# The timing scripts' nodes (sourced after cluster-common.sh and build_distnn): each `distnn node` in the background
# with its output in $logs/NAME.log and its pid in pid_of[NAME]; waiting for a line of a log; a median.

declare -A pid_of=()
# node NAME ARGS…: starts `distnn node ARGS…` with its output in $logs/NAME.log.
node() {
    local name="$1"; shift
    "${distnn[@]}" node "$@" > "$logs/$name.log" 2>&1 &
    pid_of[$name]=$!
}
# wait_line NAME TEXT SECONDS [FROM-LINE]: waits until NAME's log has TEXT after line FROM-LINE; false on timeout.
wait_line() {
    local deadline=$(( $(date +%s) + $3 ))
    while (( $(date +%s) < deadline )); do
        tail -n "+$(( ${4:-0} + 1 ))" "$logs/$1.log" 2>/dev/null | grep -qF -- "$2" && return 0
        sleep 0.05
    done
    return 1
}
lines() { wc -l < "$logs/$1.log"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
