"""compare_params.py A.safetensors B.safetensors PREFIX: whether every tensor
under PREFIX. is bit for bit the same in both files, and how many there are."""
import sys

import numpy as np

from interop import read_safetensors

a, _ = read_safetensors(sys.argv[1])
b, _ = read_safetensors(sys.argv[2])
names = [k for k in b if k.startswith(sys.argv[3] + ".")]
same = all(np.array_equal(a[k], b[k]) for k in names)
print(f"{len(names)} tensors under {sys.argv[3]}: {'unchanged' if same else 'changed'}")
