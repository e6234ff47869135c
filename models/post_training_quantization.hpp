// Post-training quantization of an imported float network (models/float_network.hpp) into the
// project's QuantizedModel: calibration ranges, weights, biases and activations.
#pragma once

#include <vector>

#include "models/float_network.hpp"
#include "models/model_file.hpp"
#include "models/quantized_model.hpp"
#include "models/samples.hpp"

namespace lutfhe::models {

// Post-training quantization: weights symmetric per output channel (per tensor for a last layer
// without output quantization, whose accumulator the client dequantizes), activations affine
// per tensor with ranges from `calibration` (min/max, or the options' percentile). Layers and
// the input that carry Q/DQ parameters keep them. InvalidArgument when a range is needed and
// `calibration` is empty.
QuantizedModel quantize_onnx(const OnnxModel& model, const std::vector<RealSample>& calibration,
                             const ModelImportOptions& options);

}  // namespace lutfhe::models
