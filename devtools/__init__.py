"""Development tooling: embedded servers, the demo, the test settings. Never imported by the product.

Not part of the installed package; ``make install`` puts the checkout on the development
virtualenv's path so ``python -m devtools.demo`` works from anywhere.
"""
