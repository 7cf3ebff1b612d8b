"""How to get a Ray cluster (ray up YAMLs, KubeRay, SLURM, runtime envs). Holds no Python logic."""
