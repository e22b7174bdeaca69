"""Cold-start pick on BUSI embeddings: the 20 images to label first. Embeddings from the CLI:
  build/coldstart embed --images ../shared/datasets/busi --encoder efficientnet-lite0 --out busi.npy
  python examples/python/busi_cold_start.py busi.npy ../shared/datasets/busi/labels.csv"""
import csv, sys, numpy as np, coldstart
X = np.load(sys.argv[1])                                   # n×d float32: used in place, no copy
ids = [r["id"] for r in csv.DictReader(open(sys.argv[1][:-4] + ".ids.csv"))]
names = {r["id"]: r["class_name"] for r in csv.DictReader(open(sys.argv[2]))} if len(sys.argv) > 2 else {}
picks = coldstart.select(X, budget=20, strategy="kmeans-centroid", seed=0)
for rank, (row, cluster, dist) in enumerate(zip(*picks), 1):
    print(f"{rank:2d}  {ids[row]:<20} {names.get(ids[row], ''):<10} cluster {cluster:2d}  distance {dist:.3f}")
