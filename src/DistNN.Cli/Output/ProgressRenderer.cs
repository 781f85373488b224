using DistNN.Training.Engine;
using DistNN.Training.Plan;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace DistNN.Cli.Output;

/// <summary>Shows a run's progress: a live bar on a terminal, plain lines otherwise (or with --no-progress).</summary>
internal abstract class ProgressRenderer : IDisposable
{
    public static ProgressRenderer Create(bool noProgress) =>
        noProgress || Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive
            ? new PlainProgress()
            : new LiveProgress();

    public void Header(TrainingPlan plan, int trainCount, int testCount) =>
        Line($"distnn: {plan.ModelName} on {plan.Dataset} ({trainCount} train / {testCount} test), {plan.Optimizer.Name} lr {plan.Optimizer.LearningRate}, " +
             $"batch {plan.BatchSize}, {plan.Epochs} epoch{(plan.Epochs == 1 ? "" : "s")}, seed {plan.Seed}, {plan.EffectiveThreads} threads" +
             (plan.Workers > 1 || plan.Servers > 1 ? $", {plan.Workers} workers, {plan.Servers} servers, {plan.Mode.ToString().ToLowerInvariant()}" : ""));

    public abstract void Report(TrainingEvent e);

    public virtual void Done(TrainingSummary s) =>
        Line($"test accuracy {s.TestAccuracy * 100:F2} %, test loss {s.TestLoss:F4}, {s.TrainSamplesPerSec:F0} samples/s, {s.WallSeconds:F1} s, "
            + $"{s.SamplesApplied}/{s.SamplesExpected} samples applied" + Rollbacks(s));

    /// <summary>", after N rollback(s): X samples trained again, Y doubled" when the run was rolled back.</summary>
    private static string Rollbacks(TrainingSummary s) => s.Rollbacks is int n
        ? $", after {n} rollback{(n == 1 ? "" : "s")}: {s.SamplesReplayed ?? 0} samples trained again, {s.SamplesDoubled ?? 0} doubled"
        : "";

    protected abstract void Line(string text);

    public virtual void Dispose()
    {
    }

    protected static string EpochLine(EpochCompleted e) =>
        $"epoch {e.Epoch}/{e.Epochs}: train loss {e.TrainLoss:F4} acc {e.TrainAccuracy * 100:F2} %, test loss {e.TestLoss:F4} acc {e.TestAccuracy * 100:F2} %, {e.SamplesPerSec:F0} samples/s, {e.WallSeconds:F1} s";

    protected static string Workers(StepProgress p) =>
        p.Workers.Count <= 1 ? "" : " [" + string.Join(", ", p.Workers.Select(w => $"{w.Worker} {w.SamplesPerSec:F0}/s"
            + (w.MsComputePerBatch > 0 ? $" {w.MsComputePerBatch:F1}+{w.MsWaitPerBatch:F1} ms" : ""))) + "]";

    private sealed class PlainProgress : ProgressRenderer
    {
        private DateTime _last = DateTime.MinValue;

        public override void Report(TrainingEvent e)
        {
            switch (e)
            {
                case EpochCompleted { Replayed: false } done:
                    Line(EpochLine(done));
                    break;
                case RolledBack back:
                    Line(back.Note);
                    break;
                case StepProgress p when (DateTime.UtcNow - _last).TotalSeconds >= 5:
                    _last = DateTime.UtcNow;
                    Line($"epoch {p.Epoch}/{p.Epochs} {100.0 * p.SamplesDone / p.SamplesPerEpoch:F0} %: loss {p.Loss:F4} acc {p.Accuracy * 100:F2} % {p.SamplesPerSec:F0} samples/s{Workers(p)}");
                    break;
            }
        }

        protected override void Line(string text) => Console.WriteLine(text);
    }

    /// <summary>
    /// A Spectre.Console progress bar driven from the training thread's events. Until the first step it says what it
    /// waits for, with neither a percentage nor an ETA; the ETA is the run's pace since its first step (never the
    /// start-up's); an epoch's end shows that epoch full, the run's end 100 %; nothing is drawn once it is disposed.
    /// </summary>
    private sealed class LiveProgress : ProgressRenderer
    {
        private readonly ManualResetEventSlim _finished = new();
        private readonly Task _ui;
        private readonly Queue<string> _lines = new();
        private readonly object _gate = new();
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private volatile Shown _shown = new("starting: waiting for the first step", null, null);
        private (TimeSpan At, double Fraction)? _firstStep;

        /// <summary>What the bar shows: a description, the run's fraction done (null before the first step) and the time left.</summary>
        private sealed record Shown(string Description, double? Fraction, TimeSpan? Left);

        public LiveProgress()
        {
            var ready = new ManualResetEventSlim();
            _ui = Task.Run(() => AnsiConsole.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ShareColumn(), new LeftColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("starting", maxValue: 1.0);
                    Draw(task);
                    ready.Set();
                    while (!_finished.Wait(150))
                    {
                        Flush();
                        Draw(task);
                    }
                    // The last state (an epoch or the run complete) is drawn once before the bar goes.
                    Draw(task);
                    ctx.Refresh();
                    Flush();
                }));
            ready.Wait(TimeSpan.FromSeconds(5));
        }

        private void Draw(ProgressTask task)
        {
            var shown = _shown;
            // The description is Spectre markup: the per-worker list's brackets must be escaped.
            task.Description = Markup.Escape(shown.Description);
            task.IsIndeterminate = shown.Fraction is null;
            task.Value = shown.Fraction ?? 0;
            task.State.Update<double>("fraction", _ => shown.Fraction ?? -1);
            task.State.Update<double>("left", _ => shown.Left?.TotalSeconds ?? -1);
        }

        public override void Report(TrainingEvent e)
        {
            if (e is StepProgress p)
            {
                double fraction = ((p.Epoch - 1) + (double)p.SamplesDone / p.SamplesPerEpoch) / p.Epochs;
                _shown = new Shown($"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F4} acc {p.Accuracy * 100:F2} % {p.SamplesPerSec:F0} samples/s{Workers(p)}",
                    fraction, Left(fraction));
            }
            else if (e is EpochCompleted done)
            {
                double fraction = (double)done.Epoch / done.Epochs;
                _shown = new Shown($"epoch {done.Epoch}/{done.Epochs} done: test acc {done.TestAccuracy * 100:F2} %", fraction, Left(fraction));
                if (!done.Replayed)
                {
                    Line(EpochLine(done));
                }
            }
            else if (e is RolledBack back)
            {
                Line(back.Note);
            }
        }

        /// <summary>The time left at the pace since the first step, once a second of it has been seen.</summary>
        private TimeSpan? Left(double fraction)
        {
            var now = _clock.Elapsed;
            _firstStep ??= (now, fraction);
            var (at, from) = _firstStep.Value;
            double seconds = (now - at).TotalSeconds;
            return seconds >= 1 && fraction > from ? TimeSpan.FromSeconds(seconds / (fraction - from) * (1 - fraction)) : null;
        }

        public override void Done(TrainingSummary s)
        {
            _shown = _shown with { Fraction = 1, Left = TimeSpan.Zero };
            base.Done(s);
        }

        protected override void Line(string text)
        {
            if (_finished.IsSet)
            {
                AnsiConsole.WriteLine(text);
                return;
            }
            lock (_gate)
            {
                _lines.Enqueue(text);
            }
        }

        private void Flush()
        {
            lock (_gate)
            {
                while (_lines.TryDequeue(out var l))
                {
                    AnsiConsole.MarkupLine(Markup.Escape(l));
                }
            }
        }

        public override void Dispose()
        {
            _finished.Set();
            _ui.Wait();
        }

        /// <summary>The run's percentage, blank until the first step.</summary>
        private sealed class ShareColumn : ProgressColumn
        {
            public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
            {
                double fraction = task.State.Get<double>("fraction");
                return new Text(fraction < 0 ? "    " : $"{fraction * 100,3:F0} %");
            }
        }

        /// <summary>The time left, blank until it can be told from the run's own pace.</summary>
        private sealed class LeftColumn : ProgressColumn
        {
            public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
            {
                double left = task.State.Get<double>("left");
                return new Text(left < 0 ? "          " : $"ETA {TimeSpan.FromSeconds(Math.Round(left)):h\\:mm\\:ss}");
            }
        }
    }
}
