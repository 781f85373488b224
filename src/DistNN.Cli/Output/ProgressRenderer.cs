using DistNN.Training.Engine;
using DistNN.Training.Plan;
using Spectre.Console;

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

    public void Done(TrainingSummary s) =>
        Line($"test accuracy {s.TestAccuracy * 100:F2} %, test loss {s.TestLoss:F4}, {s.TrainSamplesPerSec:F0} samples/s, {s.WallSeconds:F1} s");

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
                case EpochCompleted done:
                    Line(EpochLine(done));
                    break;
                case StepProgress p when (DateTime.UtcNow - _last).TotalSeconds >= 5:
                    _last = DateTime.UtcNow;
                    Line($"epoch {p.Epoch}/{p.Epochs} {100.0 * p.SamplesDone / p.SamplesPerEpoch:F0} %: loss {p.Loss:F4} acc {p.Accuracy * 100:F2} % {p.SamplesPerSec:F0} samples/s{Workers(p)}");
                    break;
            }
        }

        protected override void Line(string text) => Console.WriteLine(text);
    }

    /// <summary>A Spectre.Console progress bar driven from the training thread's events.</summary>
    private sealed class LiveProgress : ProgressRenderer
    {
        private readonly ManualResetEventSlim _finished = new();
        private readonly Task _ui;
        private volatile StepProgress? _latest;
        private readonly Queue<string> _lines = new();
        private readonly object _gate = new();

        public LiveProgress()
        {
            var ready = new ManualResetEventSlim();
            _ui = Task.Run(() => AnsiConsole.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("starting", maxValue: 1.0);
                    ready.Set();
                    while (!_finished.Wait(150))
                    {
                        Flush();
                        if (_latest is { } p)
                        {
                            // The description is Spectre markup: the per-worker list's brackets must be escaped.
                            task.Description = Markup.Escape($"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F4} acc {p.Accuracy * 100:F2} % {p.SamplesPerSec:F0} samples/s{Workers(p)}");
                            task.Value = ((p.Epoch - 1) + (double)p.SamplesDone / p.SamplesPerEpoch) / p.Epochs;
                        }
                    }
                    Flush();
                }));
            ready.Wait(TimeSpan.FromSeconds(5));
        }

        public override void Report(TrainingEvent e)
        {
            if (e is StepProgress p)
            {
                _latest = p;
            }
            else if (e is EpochCompleted done)
            {
                Line(EpochLine(done));
            }
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
    }
}
