// The sidecar report of a trained model (train_report_json, declared in models/trainer.hpp):
// config, seed, accuracies, fc1 accumulator range and per-epoch history as JSON.
#include <string>

#include "core/json_text.hpp"
#include "models/internal/qat_network.hpp"
#include "models/trainer.hpp"

namespace lutfhe::models {

std::string train_report_json(const TrainConfig& cfg, const TrainResult& r,
                              const std::string& dataset) {
  std::string s = "{\n";
  const auto field = [&s](const std::string& key, const std::string& value, bool last = false) {
    s += "  \"" + key + "\": " + value + (last ? "\n" : ",\n");
  };
  const auto str = [](const std::string& v) {
    std::string out = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  };
  const auto u = [](auto v) { return std::to_string(v); };
  field("format", str("lutfhe-train-report"));
  field("version", "1");
  field("dataset", str(dataset));
  field("model", str(cfg.name));
  s += "  \"config\": {\"hidden\": " + u(cfg.hidden) + ", \"input_bits\": " + u(cfg.input_bits) +
       ", \"weight_bits\": " + u(cfg.weight_bits) +
       ", \"out_weight_bits\": " + u(qat::out_bits(cfg)) + ", \"act_bits\": " + u(cfg.act_bits) +
       ", \"epochs\": " + u(cfg.epochs) + ", \"float_epochs\": " + u(cfg.float_epochs) +
       ", \"batch_size\": " + u(cfg.batch_size) +
       ", \"learning_rate\": " + json_number(cfg.learning_rate, 10) +
       ", \"final_lr_fraction\": " + json_number(cfg.final_lr_fraction, 10) +
       ", \"weight_decay\": " + json_number(cfg.weight_decay, 10) +
       ", \"max_shift\": " + json_number(cfg.max_shift, 10) +
       ", \"max_rotation\": " + json_number(cfg.max_rotation, 10) +
       ", \"max_scale\": " + json_number(cfg.max_scale, 10) + ", \"acc_bits\": " + u(cfg.acc_bits) +
       ", \"accumulator_penalty\": " + json_number(cfg.accumulator_penalty, 10) +
       ", \"range_penalty\": " + json_number(cfg.range_penalty, 10) +
       ", \"range_margin\": " + json_number(cfg.range_margin, 10) +
       ", \"per_channel_scales\": " + (cfg.per_channel_scales ? "true" : "false") +
       ", \"acc_noise\": " + json_number(cfg.acc_noise, 10) +
       ", \"snap_epochs\": " + u(cfg.snap_epochs) +
       ", \"center_penalty\": " + json_number(cfg.center_penalty, 10) +
       ", \"threads\": " + u(cfg.threads) + "},\n";
  field("seed", u(cfg.seed));
  field("float_accuracy", json_number(r.float_test_accuracy, 10));
  field("quantized_accuracy", json_number(r.quantized_test_accuracy, 10));
  field("fast_quantized_accuracy", json_number(r.fast_quantized_test_accuracy, 10));
  const AccumulatorRange& a = r.fc1_range;
  s += "  \"fc1_accumulator\": {\"min\": " + u(a.min) + ", \"max\": " + u(a.max) +
       ", \"q0001\": " + u(a.q_low) + ", \"q9999\": " + u(a.q_high) + ", \"bits\": " + u(a.bits) +
       ", \"quantile_bits\": " + u(a.quantile_bits) + "},\n";
  field("train_seconds", json_number(r.seconds, 10));
  s += "  \"history\": [";
  for (std::size_t i = 0; i < r.history.size(); ++i) {
    const EpochReport& e = r.history[i];
    s += std::string(i ? ",\n" : "\n") + "    {\"epoch\": " + u(e.epoch) +
         ", \"quantized\": " + (e.quantized ? "true" : "false") +
         ", \"loss\": " + json_number(e.loss, 10) +
         ", \"train_accuracy\": " + json_number(e.train_accuracy, 10) +
         ", \"float_test_accuracy\": " + json_number(e.float_test_accuracy, 10) +
         ", \"quantized_test_accuracy\": " + json_number(e.quantized_test_accuracy, 10) +
         ", \"activation_clip\": " + json_number(e.activation_clip, 10) +
         ", \"seconds\": " + json_number(e.seconds, 10) + "}";
  }
  s += "\n  ]\n}\n";
  return s;
}

}  // namespace lutfhe::models
