//! Adam with PyTorch semantics: `clip_grad_norm_`, `torch.optim.Adam` (L2 weight decay added to the
//! gradient) and `ReduceLROnPlateau`, in that order per epoch, as in the published training.

use serde::Serialize;

/// What the loss of one epoch is: PyTorch minimises a loss, the fit maximises a log-likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LossScale {
    /// `loss = -sum of log p` over all transitions (the published training's loss).
    Sum,
    /// `loss = -mean of log p`.
    Mean,
}

/// Settings of an Adam run. [`Default`] is the published recipe.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AdamSettings {
    /// Initial learning rate (published: 0.005).
    pub lr: f64,
    /// L2 penalty added to the gradient, `torch.optim.Adam(weight_decay=...)` (published: 1e-5).
    pub weight_decay: f64,
    /// Adam's first-moment decay (PyTorch default 0.9).
    pub beta1: f64,
    /// Adam's second-moment decay (PyTorch default 0.999).
    pub beta2: f64,
    /// Adam's denominator guard (PyTorch default 1e-8).
    pub eps: f64,
    /// `ReduceLROnPlateau(patience=...)`: epochs without improvement before the rate is cut (published: 30).
    pub plateau_patience: usize,
    /// `ReduceLROnPlateau(factor=...)`: the cut (published: 0.5).
    pub plateau_factor: f64,
    /// `ReduceLROnPlateau(threshold=...)`, relative mode (PyTorch default 1e-4).
    pub plateau_threshold: f64,
    /// `clip_grad_norm_(max_norm=...)` on the loss gradient; `None` for no clipping (published: 5).
    pub grad_clip: Option<f64>,
    /// Most epochs (published: 8000).
    pub epochs: usize,
    /// Stop after this many epochs without a new best loss; `None` to run all epochs (published: 1000).
    pub early_stop: Option<usize>,
    /// Summed or averaged loss (published: summed; see the module docs of `fit`).
    pub loss: LossScale,
}

impl Default for AdamSettings {
    fn default() -> Self {
        Self {
            lr: 0.005,
            weight_decay: 1e-5,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            plateau_patience: 30,
            plateau_factor: 0.5,
            plateau_threshold: 1e-4,
            grad_clip: Some(5.0),
            epochs: 8000,
            early_stop: Some(1000),
            loss: LossScale::Sum,
        }
    }
}

/// `torch.optim.lr_scheduler.ReduceLROnPlateau` in mode `min`, threshold mode `rel`, cooldown 0,
/// min_lr 0.
#[derive(Debug, Clone, PartialEq)]
pub struct PlateauScheduler {
    lr: f64,
    factor: f64,
    patience: usize,
    threshold: f64,
    best: f64,
    bad_epochs: usize,
}

impl PlateauScheduler {
    /// A scheduler starting at rate `lr`.
    pub fn new(lr: f64, factor: f64, patience: usize, threshold: f64) -> Self {
        Self {
            lr,
            factor,
            patience,
            threshold,
            best: f64::INFINITY,
            bad_epochs: 0,
        }
    }

    /// The current learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// `(lr, best loss, epochs without improvement)` (what a checkpoint stores).
    pub fn state(&self) -> (f64, f64, usize) {
        (self.lr, self.best, self.bad_epochs)
    }

    /// Restores a state saved by [`PlateauScheduler::state`].
    pub fn restore(&mut self, (lr, best, bad_epochs): (f64, f64, usize)) {
        (self.lr, self.best, self.bad_epochs) = (lr, best, bad_epochs);
    }

    /// Reports the epoch's loss; cuts the rate after more than `patience` epochs without improvement.
    ///
    /// As in PyTorch, "improvement" is `loss < best * (1 - threshold)`; for a negative loss (a
    /// positive log-likelihood) that bound lies above `best`, so small setbacks still count.
    pub fn step(&mut self, loss: f64) {
        if loss < self.best * (1.0 - self.threshold) {
            self.best = loss;
            self.bad_epochs = 0;
        } else {
            self.bad_epochs += 1;
        }
        if self.bad_epochs > self.patience {
            let new_lr = self.lr * self.factor;
            // PyTorch's `eps`: changes smaller than 1e-8 are ignored.
            if self.lr - new_lr > 1e-8 {
                self.lr = new_lr;
            }
            self.bad_epochs = 0;
        }
    }
}

/// Scales `g` to Euclidean norm at most `max_norm`, as `torch.nn.utils.clip_grad_norm_` does
/// (coefficient `max_norm / (norm + 1e-6)`, applied only when below 1). Returns the norm before.
pub fn clip_grad_norm<const N: usize>(g: &mut [f64; N], max_norm: f64) -> f64 {
    let total = g.iter().map(|v| v * v).sum::<f64>().sqrt();
    let coef = max_norm / (total + 1e-6);
    if coef < 1.0 {
        for v in g.iter_mut() {
            *v *= coef;
        }
    }
    total
}

/// The state of `torch.optim.Adam` (no amsgrad).
#[derive(Debug, Clone, PartialEq)]
pub struct Adam<const N: usize> {
    m: [f64; N],
    v: [f64; N],
    t: i32,
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
}

impl<const N: usize> Adam<N> {
    /// Fresh moments.
    pub fn new(settings: &AdamSettings) -> Self {
        Self {
            m: [0.0; N],
            v: [0.0; N],
            t: 0,
            beta1: settings.beta1,
            beta2: settings.beta2,
            eps: settings.eps,
            weight_decay: settings.weight_decay,
        }
    }

    /// The first and second moments and the step count (what a checkpoint stores).
    pub fn moments(&self) -> ([f64; N], [f64; N], i32) {
        (self.m, self.v, self.t)
    }

    /// Restores moments and step count saved by [`Adam::moments`].
    pub fn restore(&mut self, m: [f64; N], v: [f64; N], t: i32) {
        (self.m, self.v, self.t) = (m, v, t);
    }

    /// One step on `x` with loss gradient `g` at rate `lr`.
    pub fn step(&mut self, x: &mut [f64; N], g: &[f64; N], lr: f64) {
        self.t += 1;
        let bc1 = 1.0 - self.beta1.powi(self.t);
        let bc2 = 1.0 - self.beta2.powi(self.t);
        let step_size = lr / bc1;
        let bc2_sqrt = bc2.sqrt();
        for i in 0..N {
            let gi = g[i] + self.weight_decay * x[i];
            self.m[i] = self.beta1 * self.m[i] + (1.0 - self.beta1) * gi;
            self.v[i] = self.beta2 * self.v[i] + (1.0 - self.beta2) * gi * gi;
            let denom = self.v[i].sqrt() / bc2_sqrt + self.eps;
            x[i] -= step_size * self.m[i] / denom;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plateau_cuts_after_patience_and_resets() {
        let mut s = PlateauScheduler::new(0.01, 0.5, 2, 1e-4);
        s.step(10.0);
        assert_eq!(s.lr(), 0.01);
        // Three epochs without improvement: the third exceeds patience 2.
        s.step(10.0);
        s.step(10.0);
        assert_eq!(s.lr(), 0.01);
        s.step(10.0);
        assert_eq!(s.lr(), 0.005);
        // Improvement by more than the relative threshold resets the count.
        s.step(9.0);
        s.step(9.0);
        s.step(9.0);
        assert_eq!(s.lr(), 0.005);
        s.step(9.0);
        assert_eq!(s.lr(), 0.0025);
    }

    #[test]
    fn plateau_threshold_is_relative_like_pytorch() {
        // Negative loss: best * (1 - 1e-4) = -999.9 lies above -1000, so -999.95 still "improves".
        let mut s = PlateauScheduler::new(1.0, 0.5, 0, 1e-4);
        s.step(-1000.0);
        s.step(-999.95);
        assert_eq!(s.lr(), 1.0);
        s.step(-999.0);
        assert_eq!(s.lr(), 0.5);
        // Positive loss: improvement must beat best by the relative margin.
        let mut s = PlateauScheduler::new(1.0, 0.5, 0, 1e-4);
        s.step(1000.0);
        s.step(999.95);
        assert_eq!(s.lr(), 0.5);
    }

    #[test]
    fn clipping_scales_to_max_norm_only_when_above() {
        let mut g = [3.0, 4.0];
        assert_eq!(clip_grad_norm(&mut g, 10.0), 5.0);
        assert_eq!(g, [3.0, 4.0]);
        clip_grad_norm(&mut g, 1.0);
        let n = (g[0] * g[0] + g[1] * g[1]).sqrt();
        assert!((n - 1.0).abs() < 1e-6);
    }

    #[test]
    fn first_adam_step_moves_each_coordinate_by_lr() {
        // With zero weight decay the first bias-corrected step is lr * g / (|g| + eps').
        let settings = AdamSettings {
            weight_decay: 0.0,
            ..AdamSettings::default()
        };
        let mut adam = Adam::<2>::new(&settings);
        let mut x = [1.0, 1.0];
        adam.step(&mut x, &[10.0, -0.1], 0.01);
        assert!(
            (x[0] - 0.99).abs() < 1e-9 && (x[1] - 1.01).abs() < 1e-6,
            "{x:?}"
        );
    }

    #[test]
    fn adam_minimises_a_quadratic() {
        let settings = AdamSettings {
            weight_decay: 0.0,
            ..AdamSettings::default()
        };
        let mut adam = Adam::<2>::new(&settings);
        let mut x = [3.0, -2.0];
        for _ in 0..5000 {
            let g = [2.0 * (x[0] - 1.0), 20.0 * (x[1] + 0.5)];
            adam.step(&mut x, &g, 0.01);
        }
        assert!(
            (x[0] - 1.0).abs() < 1e-3 && (x[1] + 0.5).abs() < 1e-3,
            "{x:?}"
        );
    }
}
