"""Package discovery for the wheel (the metadata lives in pyproject.toml).

Every package under wsadmin/ is found, never listed by hand, so a new module
cannot be left out of the wheel. Two folders live at the repository root so
that the runbook's `alembic` commands and README links work from a checkout,
and ship inside the wheel under wsadmin: migrations/ as wsadmin.migrations and
docs/ (the user guide and its screenshots) as wsadmin.docs.
"""

from setuptools import find_namespace_packages, setup

ROOT_FOLDERS = {"migrations": "wsadmin.migrations", "docs": "wsadmin.docs"}

# Namespace discovery: data folders without an __init__.py (migrations/versions,
# docs/screenshots) are packages too, so their files ship as package data.
SKIP = ["*__pycache__*"]
packages = find_namespace_packages(include=["wsadmin", "wsadmin.*"], exclude=SKIP)
package_dir = {}
for folder, name in ROOT_FOLDERS.items():
    packages.append(name)
    package_dir[name] = folder
    for sub in find_namespace_packages(where=folder, exclude=SKIP):
        packages.append(f"{name}.{sub}")
        package_dir[f"{name}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"

setup(packages=packages, package_dir=package_dir)
