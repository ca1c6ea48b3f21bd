"""The CIFAR-10 benchmark behind ``python benchmarks/cifar10.py``.

Every row is one feature learner in the same pipeline: raw images ->
:class:`skscore.ConvolutionalFeaturizer` -> standardization -> a linear
classifier, the multinomial logistic regression or the L2-SVM of Coates et
al. (``--classifier``). ``C`` is chosen on a validation split of the
training images, on a grid that extends itself past an edge and is refined
around the best value; the classifier is then refitted on all the training
images at that ``C``, and the test set is used once.

- ``protocol``: the sizes (full, quick), the classification protocols, the
  row table and the published figures;
- ``kmeans``: the triangle k-means of Coates, Lee & Ng;
- ``features``: a row's noise choice, learning and encoding, and the cache
  of encoded features, keyed by a hash of everything that produced them;
- ``classify``: standardization, the search for ``C``, the refit;
- ``l2svm``: the L2-SVM, ``LinearSVC``'s objective by L-BFGS on float32;
- ``results``: the results file, where no finished row is ever lost;
- ``runner``: ``run``, the rows not yet in the results file.
"""
