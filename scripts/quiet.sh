#!/bin/bash
# Usage: scripts/quiet.sh CMD...
# Runs CMD with other busy processes of this machine paused (SIGSTOP, then SIGCONT when CMD
# ends, however it ends): compilers, cargo, Python, TensorBoard, test and bench binaries.
# For benchmarks on a small machine where a build left running would skew them. Never use it
# while CI or anything you care about is running on the same machine.
me=$$
pids=$(ps -eo pid,comm,pcpu --no-headers | awk -v me=$me '$1!=me && ($2 ~ /^(rustc|cargo|cc|ld|s3s-fs|cc1|collect2|python3|tensorboard|object_store|chromium)$/ || $2 ~ /-[0-9a-f]{16}$/) {print $1}')
echo "stopping: $(echo $pids | wc -w) processes" >&2
[ -n "$pids" ] && kill -STOP $pids 2>/dev/null
trap '[ -n "$pids" ] && kill -CONT $pids 2>/dev/null' EXIT
sleep 1
"$@"
