"""Models and losses: linear, logistic and softmax regression, the MLP; squared loss, cross-entropy."""
