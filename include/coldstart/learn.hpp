#pragma once
// Umbrella header: the Learner concept and every learner. LogisticProbe and MlpProbe are
// header-only (core library); CnnClassifier and UNetSegmenter are defined in coldstart::torch (link
// it to use them).

#include "coldstart/learn/cnn_classifier.hpp"
#include "coldstart/learn/concept.hpp"
#include "coldstart/learn/logistic_probe.hpp"
#include "coldstart/learn/mlp_probe.hpp"
#include "coldstart/learn/unet_segmenter.hpp"
