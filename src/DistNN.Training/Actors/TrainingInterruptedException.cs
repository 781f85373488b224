namespace DistNN.Training.Actors;

/// <summary>The run was ended by a signal to one of its nodes (exit code 130 on every node): the reason names the node.</summary>
public sealed class TrainingInterruptedException(string message) : OperationCanceledException(message);
