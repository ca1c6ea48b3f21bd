"""Minibatch training of the score matching estimators, kept across calls.

``partial_fit``, and ``fit`` for the maximum-likelihood objectives, run
passes of :class:`~skscore._solvers.MinibatchAdam`. Its state is kept as
``_trainer`` with the settings it holds, so that a later call continues it
under the current settings or refuses a change it cannot take.
"""

import time
from numbers import Integral

from sklearn.utils import check_random_state

from ._array_api import to_numpy
from ._logging import iterations_to_report, progress_logger
from ._problem import constrain
from ._solvers import MinibatchAdam


class MinibatchTrainingMixin:
    """The minibatch training of :class:`~skscore._base._BaseScoreMatching`."""

    def _start_trainer(self, problem, params, rng):
        """Start minibatch training at ``params``; its state is kept as ``_trainer``."""
        sampler = self._sampler() if problem.objective.samples_model else None
        self._trainer = self._minibatch_solver().init(problem, params, rng, sampler)
        self._trainer_settings = self._settings_of_trainer()

    def _minibatch_solver(self):
        """Minibatch Adam at the current ``learning_rate`` and ``batch_size``."""
        return MinibatchAdam(self.learning_rate, self.batch_size)

    def _settings_of_trainer(self):
        """The settings that the minibatch state holds, by parameter name."""
        settings = {
            "objective": self.objective,
            "random_state": self.random_state,
            "visible_std": self.visible_std,
        }
        settings.update(
            {name: getattr(self, name) for name in self._model.sampler.settings}
        )
        return settings

    def _continue_trainer(self):
        """Bring the kept state to the current settings, or refuse to.

        ``partial_fit`` honours every setting from its next call: the
        problem is rebuilt at each call (``alpha``, ``noise``,
        ``n_noise_samples`` and the model's hyperparameters), the solver
        too (``learning_rate``, ``batch_size``), and the state is given a
        sampler with the new number of steps (keeping what the old one
        adapted) and a generator seeded by the new ``random_state``. Two
        changes would need a new state, whose optimizer moments and chains
        start again, so they are refused rather than made silently: the
        objective (its loss decides the units of the Adam moments and
        whether there are chains), and switching ``visible_std`` between
        "learn" and a value (which decides whether Adam trains it; one fixed
        value for another is honoured).
        """
        kept = self._trainer_settings
        why = {
            "objective": "whose optimizer state and Markov chains belong to its "
            "objective",
            "visible_std": "which learns visible_std, or keeps it fixed, as it started",
        }
        for name, changed in (
            ("objective", self.objective != kept["objective"]),
            (
                "visible_std",
                (kept["visible_std"] == "learn") != (self.visible_std == "learn"),
            ),
        ):
            if changed:
                raise ValueError(
                    f"{name} was {kept[name]!r} when this model's minibatch training "
                    f"started and is now {getattr(self, name)!r}: partial_fit "
                    f"continues that training, {why[name]}. Set {name} back to "
                    f"{kept[name]!r}, or call fit to start again."
                )
        state = self._trainer
        if self.random_state is not kept["random_state"] and not (
            isinstance(self.random_state, Integral)
            and self.random_state == kept["random_state"]
        ):
            state = state._replace(rng=check_random_state(self.random_state))
        if state.sampler is not None:
            if any(
                getattr(self, name) != kept[name] for name in state.sampler.settings
            ):
                sampler = self._sampler()
                sampler.restore(state.sampler.fitted_attributes())
                state = state._replace(sampler=sampler)
        self._trainer = state
        self._trainer_settings = self._settings_of_trainer()

    def _minibatch_passes(self, problem, X, params, *, fit):
        """Passes of minibatch Adam over X from ``params``; the parameters reached.

        ``max_iter`` shuffled passes for ``fit``, else one pass in order.
        Each records its mean minibatch loss.
        """
        solver = self._minibatch_solver()
        log = progress_logger(self.verbose)
        reported = iterations_to_report(self.verbose, self.max_iter)
        start = time.perf_counter()
        X = to_numpy(X)  # the Markov chains and Adam run on the host
        for _ in range(self.max_iter if fit else 1):
            params, self._trainer, loss = solver.run_pass(
                problem,
                X,
                params,
                self._trainer,
                shuffle=fit,
                where="in fit" if fit else "in partial_fit",
            )
            self.loss_curve_.append(loss)
            self.n_iter_ += 1
            sampler = self._trainer.sampler
            if sampler is not None:
                for name, value in sampler.fitted_attributes().items():
                    setattr(self, name, value)
            if fit and (reported(self.n_iter_) or self.n_iter_ == self.max_iter):
                log(
                    f"Pass {self.n_iter_}/{self.max_iter}, contrastive loss "
                    f"{loss:.6g}{sampler.report()}, "
                    f"{time.perf_counter() - start:.2f}s"
                )
        if not fit:
            log(
                f"partial_fit pass {self.n_iter_} over {len(X)} rows, mean minibatch "
                f"loss {loss:.6g}, {time.perf_counter() - start:.2f}s"
            )
        return constrain(params, problem.reparametrized(bounded_steps=True))
