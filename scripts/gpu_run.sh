#!/usr/bin/env bash
# Teacher training, distillation and the 6-layer MT-vs-ST ablation on the lent GPU machine (the device tool;
# never CI). Run from the repo root there, with .gpu/ carried (`python -m mhelp_pipeline gpu-transfer
# pack-base` here first; scripts/README.md has the whole procedure) and $OUT set by the tool. The same
# trainer.py / distill.py / ablation.py (mhelp_pipeline/train/) as on CPU, with --device cuda. In order:
#   smoke     a 2-layer run on 256 posts and a 3-step distillation: a device bug fails the call in seconds
#   A         the CPU teacher's exact config (3 epochs, patience 2), seed 0: the CPU-vs-GPU training time
#   B-s0      6 epochs, patience 3 (the CPU teacher was still improving at its last step)
#   C         B with auxiliary heads weighted 1.0 instead of 0.5 (two auxiliary heads miss their target)
#   select    of A, B-s0, C (all seed 0) the best mean dev headline becomes build/teacher/L6/best
#   distill   students L1, L2, L3 from it, 1500 steps each as on CPU; pack-returns -> $OUT
#   ablation  MT vs ST with the teacher's 6-layer encoder, 3 epochs, seeds 0-2, + primary-heads MT
#   B-s1, B-s2  seed-to-seed spread of the teacher config (not selected among: that would select on dev)
# Later steps are skipped or cut off by DEADLINE_S, so the call returns inside its limit with what finished.
set -euo pipefail
: "${OUT:?set by the device tool}"
DEADLINE_S=${DEADLINE_S:-540}
DEVICE=${DEVICE:-cuda}
exec > >(tee -a "$OUT/log.txt") 2>&1
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 MHELP_BASE_MODEL="$PWD/.gpu/base" DEVICE
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
python3 -c 'import torch, tokenizers, safetensors; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
rm -rf build/corpus && mkdir -p build/corpus
for f in .gpu/corpus/*.gz; do gunzip -c "$f" > "build/corpus/$(basename "$f" .gz)"; done
cd scripts
py() { python3 -m mhelp_pipeline "$@"; }
T=../build/teacher
left() { echo $(( DEADLINE_S - SECONDS )); }
runs() { for f in "$T"/gpu-*/best.json; do [ -e "$f" ] && echo "${f%.json}"; done; }  # checkpoint stems

python3 - <<'EOF'
import os
from pathlib import Path
from mhelp_pipeline.train.distill import DistillConfig, distill
from mhelp_pipeline.train.trainer import TrainConfig, train
dev = os.environ["DEVICE"]
s = train(TrainConfig(layers=2, epochs=1, max_train_examples=256, max_dev_examples=128, device=dev),
          out=Path("../build/smoke/best"), log=lambda m: None)
print("smoke train ok", s["wall_seconds"], "s", s["hardware"])
distill(DistillConfig(layers=(1,), steps=3, teacher="../build/smoke/best", device=dev), export_students=False,
        log=lambda m: None)
print("smoke distill ok")
EOF

run() { local name=$1; shift; echo "== $name $* ($(left)s left)"
        py train --layers 6 --device "$DEVICE" --max-minutes 30 --checkpoint "$T/gpu-$name/best" "$@"; }
run A
run B-s0 --epochs 6 --patience 3 --seed 0
run C --epochs 6 --patience 3 --aux-task-weight 1.0 --seed 0
py gpu-transfer select-teacher $T/gpu-A/best $T/gpu-B-s0/best $T/gpu-C/best
py distill --device "$DEVICE" --student-layers 1,2,3 --steps 1500 --no-export
py gpu-transfer pack-returns "$OUT" $(runs)

budget=$(( $(left) - 60 ))
echo "== ablation (${budget}s allowed)"
if (( budget > 60 )); then
  timeout "$budget" python3 -m mhelp_pipeline ablation --layers 6 --epochs 3 --seeds 0,1,2 --primary-multi-task \
    --device "$DEVICE" || echo "== ablation stopped (deadline?): whole seeds are saved, analyse here"
  (cd .. && tar czf "$OUT/ablation-L6.tar.gz" build/ablation/3epochs-L6 $(ls reports/ablation-3epochs-L6.json 2>/dev/null)) || true
fi

for s in 1 2; do
  if (( $(left) < 90 )); then echo "== skipped B-s$s (deadline)"; continue; fi
  run B-s$s --epochs 6 --patience 3 --seed $s
done
py gpu-transfer pack-returns "$OUT" $(runs)
echo "total ${SECONDS}s"
