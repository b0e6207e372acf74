#!/bin/bash
# Model measurements on the shared 2-vCPU machine. Each run waits (up to MAXWAIT s) for the
# 1-minute load average to drop below $QUIET, then runs once; the log records the load before
# and after, and every JSON records cpu_share per figure. Usage: measure.sh [step ...]
cd /work/main
B=./build/h-perf/bench/model/model_bench
M=build/bench-models
R=build/bench-results
QUIET=${QUIET:-3.0}
MAXWAIT=${MAXWAIT:-180}
wait_quiet() {
  local waited=0
  while :; do
    l=$(cut -d' ' -f1 /proc/loadavg)
    if awk "BEGIN{exit !($l < $QUIET)}" || [ $waited -ge $MAXWAIT ]; then return; fi
    sleep 10; waited=$((waited + 10))
  done
}
run() {  # name, args...
  local name=$1; shift
  while pgrep -f "model_bench (run|accuracy|video)" > /dev/null; do sleep 10; done
  wait_quiet
  echo "== $name start $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg): $B $*" >> $R/log.txt
  /usr/bin/time -v $B "$@" > $R/$name.out 2> $R/$name.err
  echo "== $name end   $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg) rc $?" >> $R/log.txt
}
steps=${*:-"b1_bf16 acc2b b8_bf16 b8_q8 b8_q4 b1_video32"}
for s in $steps; do
  case $s in
    b1_bf16) run b1_bf16 run -m $M/InternVL3-1B --compute bf16 --repeats 3 --json ;;
    acc2b) run acc2b accuracy -m $M/InternVL3-2B --tiles 2 --frames 4 --modes q8,q4 ;;
    b8_bf16) run b8_bf16 run -m $M/InternVL3-8B --compute bf16 --only decode,rooflines --batches 1 --decode-steps 8 --repeats 2 --json ;;
    b8_q8) run b8_q8 run -m $M/InternVL3-8B-q8 --compute bf16 --only decode,rooflines --batches 1 --decode-steps 8 --repeats 2 --json ;;
    b8_q4) run b8_q4 run -m $M/InternVL3-8B-q4 --compute bf16 --only decode,rooflines --batches 1 --decode-steps 8 --repeats 2 --json ;;
    b1_video32) run b1_video32 video -m $M/InternVL3-1B --frames 32 --compute bf16 ;;
    b1_pd) run b1_pd run -m $M/InternVL3-1B --compute bf16 --only prefill,decode,scaling,rooflines --repeats 2 --json ;;
    b2_bf16) run b2_bf16 run -m $M/InternVL3-2B --compute bf16 --repeats 2 --no-scaling --json ;;
  esac
done
echo "== all done $(date +%T)" >> $R/log.txt
