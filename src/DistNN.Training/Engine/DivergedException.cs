namespace DistNN.Training.Engine;

/// <summary>The training loss grew past the plan's bound over the run's first batch loss: the run failed, naming the step.</summary>
public sealed class DivergedException(string message) : Exception(message);
