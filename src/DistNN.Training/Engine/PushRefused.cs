namespace DistNN.Training.Engine;

/// <summary>A server refused a worker's push (the batch was not applied and is dealt again); the reason is the server's.</summary>
public sealed record PushRefused(string Worker, string Reason) : TrainingEvent;
